// The questionnaires' condition trees (surveys/expressions.py ``to_json``) evaluated
// in the browser, as the server evaluates them: shared by the survey page (survey.js)
// and the kiosk (kiosk/static/kiosk.js). ``values``: question key -> list of answers.
(function () {
  "use strict";
  function scalar(list) {
    if (!list || list.length === 0) { return ""; }
    return list.length === 1 ? list[0] : list;
  }

  function asNumber(v) {
    if (v === "" || v === null || v === undefined || Array.isArray(v)) { return null; }
    var n = Number(v);
    return isFinite(n) ? n : null;
  }

  function evaluate(node, values) {
    switch (node[0]) {
      case "lit": return node[1];
      case "ref": return scalar(values[node[1]]);
      case "self": return "";
      case "and": return Boolean(evaluate(node[1], values)) && Boolean(evaluate(node[2], values));
      case "or": return Boolean(evaluate(node[1], values)) || Boolean(evaluate(node[2], values));
      case "cmp": {
        var a = evaluate(node[2], values), b = evaluate(node[3], values), op = node[1];
        if (typeof a === "number" || typeof b === "number") {
          var x = asNumber(a), y = asNumber(b);
          if (x === null || y === null) { return op === "!="; }
          a = x; b = y;
        } else { a = String(a); b = String(b); }
        if (op === "=") { return a === b; }
        if (op === "!=") { return a !== b; }
        if (op === "<") { return a < b; }
        if (op === "<=") { return a <= b; }
        if (op === ">") { return a > b; }
        return a >= b;
      }
      case "call": {
        var name = node[1];
        if (name === "not") { return !evaluate(node[2], values); }
        if (name === "selected") {
          var v = evaluate(node[2], values), want = String(evaluate(node[3], values));
          return Array.isArray(v) ? v.indexOf(want) >= 0 : String(v) === want;
        }
        if (name === "count-selected") {
          var c = evaluate(node[2], values);
          return Array.isArray(c) ? c.length : (c === "" ? 0 : 1);
        }
        if (name === "string-length") { return String(evaluate(node[2], values)).length; }
      }
    }
    return false;
  }

  window.collectorRelevance = { evaluate: evaluate };
})();
