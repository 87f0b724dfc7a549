// Worklists: "tick all" on the current page (also after an HTMX swap of the results).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("check-all")) { return; }
  // The form's elements include the rows' boxes tied to it by their form="…" attribute.
  Array.prototype.forEach.call(box.form.elements, function (item) {
    if (item.name === "ids") { item.checked = box.checked; }
  });
});

// "Traiter" in a worklist row: opening it puts the cursor in the new invoice number,
// the most common end, so that it takes one click, the number and Enter.
document.addEventListener("toggle", function (event) {
  var details = event.target;
  if (!details.classList || !details.classList.contains("quick") || !details.open) { return; }
  var first = details.querySelector('input[type="text"]');
  if (first) { first.focus(); }
}, true);
