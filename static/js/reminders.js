// Reminders page: "Toutes les factures de ce payeur" ticks the payer's rows shown
// (the server takes every claim of the payer, shown or not).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("select-payer-box")) { return; }
  var group = document.getElementById(box.dataset.group);
  if (!group) { return; }
  group.querySelectorAll('input[name="claims"]').forEach(function (item) { item.checked = box.checked; });
});
