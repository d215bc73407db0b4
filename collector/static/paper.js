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
  // A grid section keyed as the paper prints it: the column of the code typed is ticked,
  // so the row on screen looks like the row on paper ("n" and "0" are one column).
  function mark(input) {
    var row = input.closest("tr[data-key]");
    if (!row) { return; }
    var code = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(row.querySelectorAll("td.paper-scale"), function (cell) {
      var codes = cell.getAttribute("data-code").split("/").map(function (c) { return c.trim(); });
      cell.classList.toggle("picked", code !== "" && codes.indexOf(code) >= 0);
    });
  }
  inputs.forEach(function (input) {
    mark(input);
    input.addEventListener("input", function () { mark(input); });
  });
  var summary = document.getElementById("error-summary");
  if (summary && !form.querySelector("[autofocus]")) { summary.focus(); }
})();
