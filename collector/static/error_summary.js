// The error summary of a refused form (#error-summary, role="alert"): focus moves to it
// when the page opens, so a screen reader reads it and the keyboard starts there; a link
// in it moves the focus to the control itself and shows its label (browsers only scroll
// to a fragment). Without this script the summary is the first thing in <main>.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  if (!document.querySelector("[autofocus]")) { summary.focus(); }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    history.replaceState(null, "", link.getAttribute("href"));
    var block = target.closest(".question") || target;
    if (target.tabIndex < 0) {  // a form or a group: its first control takes the focus
      target = target.querySelector("input:not([type=hidden]), select, textarea, button") || target;
    }
    block.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
})();
