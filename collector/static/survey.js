// Shows and hides conditional questions as answers change. Without this script every
// question is shown and the server ignores answers to questions whose condition fails,
// so the page works the same without JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  function answers() {
    var values = {};
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (name.indexOf("q_") !== 0) { return; }
      var key = name.slice(2);
      if (values[key] === undefined) { values[key] = []; }
      if (value !== "") { values[key].push(value); }
    });
    return values;
  }

  var evaluate = window.collectorRelevance.evaluate;

  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-relevant]"));

  function update() {
    var values = answers();
    blocks.forEach(function (block) {
      var tree = JSON.parse(block.getAttribute("data-relevant"));
      block.hidden = !evaluate(tree, values);
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();

  // A page brought back by Back or Forward from the browser's memory (the back-forward
  // cache) would show the answers given before, perhaps by someone else on a shared
  // device: fetch it afresh (empty, with a new submission token) instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
})();
