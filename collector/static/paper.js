// Keying in paper questionnaires: Enter moves to the next answer like Tab, and on the
// last answer saves the form; Ctrl+Enter (Cmd+Enter on a Mac) saves from anywhere in
// the form. Without this script Enter saves at once, which the server handles the
// same way.
(function () {
  "use strict";
  var form = document.getElementById("paper-form");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.paper-input"));

  function save() {
    // requestSubmit runs the submit event as a click on the button would;
    // very old browsers only have submit().
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) { return; }
    if (event.ctrlKey || event.metaKey) {
      // Browsers do not submit a form on Ctrl+Enter or Cmd+Enter by themselves.
      event.preventDefault();
      save();
      return;
    }
    var index = inputs.indexOf(event.target);
    if (index < 0 || index === inputs.length - 1) { return; }
    event.preventDefault();
    inputs[index + 1].focus();
    inputs[index + 1].select();
  });
  var summary = document.getElementById("error-summary");
  if (summary && !form.querySelector("[autofocus]")) { summary.focus(); }
})();
