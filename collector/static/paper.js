// Keying in paper questionnaires: Enter moves to the next answer like Tab, and on the
// last answer (or with Ctrl/Cmd+Enter anywhere) saves the form. Without this script
// Enter saves at once, which the server handles the same way.
(function () {
  "use strict";
  var form = document.getElementById("paper-form");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.paper-input"));
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) { return; }
    var index = inputs.indexOf(event.target);
    if (index < 0) { return; }
    if (event.ctrlKey || event.metaKey || index === inputs.length - 1) { return; }
    event.preventDefault();
    inputs[index + 1].focus();
    inputs[index + 1].select();
  });
  var summary = document.getElementById("error-summary");
  if (summary && !form.querySelector("[autofocus]")) { summary.focus(); }
})();
