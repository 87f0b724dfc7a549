// Drag-and-drop on the import form: a dropped file fills the file input and the form is sent.
// Without JavaScript the file picker and the submit button do the same.
(function () {
  document.querySelectorAll("[data-dropzone]").forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    var busy = form.querySelector(".dropzone-busy");
    if (!input) { return; }
    function show(on) { form.classList.toggle("dragover", on); }
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) { event.preventDefault(); show(true); });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      form.addEventListener(name, function () { show(false); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      show(false);
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    });
    form.addEventListener("submit", function () { if (busy) { busy.hidden = false; } });
  });
})();
