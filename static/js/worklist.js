// Worklists: "tick all" on the current page (also after an HTMX swap of the results).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("check-all")) { return; }
  var form = box.closest("form");
  form.querySelectorAll('input[name="ids"]').forEach(function (item) { item.checked = box.checked; });
});
