// The counter kiosk: one screen at a time, every language on the page (switching keeps the
// answers), answers queued on the tablet and sent once each (an idempotency key per
// answer), an idle warning before the answers are cleared, a staff PIN to leave.
// Answers live only in this script's memory until submitted; the queue holds submitted
// anonymous answers until the server has them. Nothing here is personal data.
(function () {
  "use strict";
  var node = document.getElementById("kiosk-data");
  var root = document.getElementById("kiosk");
  if (!node || !root) { return; }
  var D = JSON.parse(node.textContent);
  var announcer = document.getElementById("kiosk-announce");
  var dialog = document.getElementById("kiosk-idle");
  var evaluate = window.collectorRelevance.evaluate;
  var QUEUE = "collector.kiosk.queue";
  var SVG = "http://www.w3.org/2000/svg";

  var state = { lang: D.languages[0].code, answers: {}, screen: "welcome", index: 0, started: null };
  var idleTimer = null, warnTimer = null, warnTick = null, thanksTimer = null, syncTimer = null;
  var syncing = false, unpaired = false;

  // -- small helpers ------------------------------------------------------------------

  function t(key, params) {
    var text = D.text[state.lang][key] || "";
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  function local(map) { return (map && (map[state.lang] || map[D.languages[0].code])) || ""; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { e.textContent = value; } else { e.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) { if (child) { e.appendChild(child); } });
    return e;
  }

  function say(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function newKey() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function values() {
    var out = {};
    Object.keys(state.answers).forEach(function (key) {
      var v = state.answers[key];
      out[key] = Array.isArray(v) ? v : [v];
    });
    return out;
  }

  function shown(item) { return !item.relevant || Boolean(evaluate(item.relevant, values())); }

  function screens() { return D.screens.filter(shown); }

  // -- the face scale -------------------------------------------------------------------

  function face(value) {
    var n = Number(value);
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 40 40");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "face face-" + (isFinite(n) ? n : "na"));
    function add(tag, attrs) {
      var e = document.createElementNS(SVG, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      svg.appendChild(e);
    }
    add("circle", { cx: 20, cy: 20, r: 18 });
    if (!isFinite(n)) { add("path", { d: "M12 20h16" }); return svg; }
    add("circle", { cx: 14, cy: 16, r: 2.4, "class": "eye" });
    add("circle", { cx: 26, cy: 16, r: 2.4, "class": "eye" });
    var bend = (n - 3) * 4; // 5: a wide smile, 1: a frown
    add("path", { d: "M12 " + (27 - bend / 2) + " Q20 " + (27 + bend) + " 28 " + (27 - bend / 2) });
    return svg;
  }

  // -- screens --------------------------------------------------------------------------

  function languageButtons(onPick) {
    return D.languages.map(function (l) {
      var b = el("button", { type: "button", "class": "lang", lang: l.code, "aria-pressed": String(l.code === state.lang), text: l.name });
      b.addEventListener("click", function () { onPick(l.code); });
      return b;
    });
  }

  function setLanguage(code) {
    state.lang = code;
    document.documentElement.lang = code;
    document.title = local(D.title);
  }

  function show(content, focus) {
    root.textContent = "";
    root.appendChild(content);
    var target = focus || root.querySelector("h1");
    if (target) { target.setAttribute("tabindex", "-1"); target.focus({ preventScroll: false }); }
    window.scrollTo(0, 0);
  }

  function welcome() {
    state.screen = "welcome";
    var legend = el("legend", {}, D.languages.map(function (l, i) {
      return el("span", { lang: l.code, text: (i ? " / " : "") + D.text[l.code].choose_language });
    }));
    var start = el("button", { type: "button", "class": "primary start", text: t("start") });
    start.addEventListener("click", begin);
    var staff = el("button", { type: "button", "class": "staff-link", text: t("staff") });
    staff.addEventListener("click", pinScreen);
    show(el("section", { "class": "screen welcome" }, [
      el("p", { "class": "place", lang: (D.placeLang || {})[state.lang], text: [local(D.agency), local(D.unit)].filter(Boolean).join(" · ") }),
      el("h1", { text: local(D.title) }),
      el("p", { "class": "lead", text: t("intro") }),
      el("fieldset", { "class": "languages" }, [legend].concat(languageButtons(function (code) {
        setLanguage(code);
        welcome();
        root.querySelector('.lang[lang="' + code + '"]').focus();
      }))),
      start,
      el("p", { "class": "staff-row" }, [staff])
    ]), root.querySelector("h1"));
  }

  function begin() {
    state.answers = {};
    state.started = new Date().toISOString();
    state.index = 0;
    enterFullscreen();
    question();
  }

  function optionFor(q, option) {
    var checked = q.kind === "checkbox"
      ? (state.answers[q.key] || []).indexOf(option.value) >= 0
      : state.answers[q.key] === option.value;
    var input = el("input", { type: q.kind, name: q.key, value: option.value, checked: checked });
    return el("label", { "class": "choice" }, [input, q.face ? face(option.value) : null, el("span", { text: local(option.label) })]);
  }

  function questionBlock(q) {
    var errorId = "kq-" + q.key + "-error";
    var legend = el("legend", { id: "kq-" + q.key + "-label" }, [
      el("span", { text: local(q.label) }),
      q.required ? null : el("span", { "class": "optional", text: " " + t("optional") })
    ]);
    var options = el("div", { "class": "choices" + (q.face ? " faces" : "") + (q.options.length > 6 ? " many" : "") },
      q.options.map(function (o) { return optionFor(q, o); }));
    return el("fieldset", { "class": "q", id: "kq-" + q.key, "data-key": q.key }, [
      legend,
      q.hint ? el("p", { "class": "hint", text: local(q.hint) }) : null,
      options,
      el("p", { "class": "error", id: errorId, hidden: true })
    ]);
  }

  // A grid section (layout: grid): one table, a row header per item and a column per
  // option of the scale the items share; each radio is named by its item and its option.
  // On a tablet the option's name is the column header (the face or ring in the cell is
  // the target); on a narrow screen each row is a block with its options named beside
  // them (kiosk.css, no script).
  function gridBlock(qs, titleId) {
    var first = qs[0];
    var head = el("thead", {}, [el("tr", {}, [el("td", {})].concat(first.options.map(function (o) {
      return el("th", { scope: "col", text: local(o.label) });
    })))]);
    var rows = qs.map(function (q) {
      var labelId = "kq-" + q.key + "-label";
      var hintId = q.hint ? "kq-" + q.key + "-hint" : null;
      var header = el("th", { scope: "row" }, [
        el("span", { "class": "grid-item", id: labelId, text: local(q.label) }),
        q.required ? null : el("span", { "class": "optional", text: " " + t("optional") }),
        q.hint ? el("p", { "class": "hint", id: hintId, text: local(q.hint) }) : null,
        el("p", { "class": "error", id: "kq-" + q.key + "-error", hidden: true })
      ]);
      var cells = q.options.map(function (o, i) {
        var optionId = "kq-" + q.key + "-o" + i;
        var input = el("input", {
          type: "radio", name: q.key, value: o.value, checked: state.answers[q.key] === o.value,
          "aria-labelledby": labelId + " " + optionId, "aria-describedby": hintId
        });
        return el("td", {}, [el("label", { "class": "choice grid-choice" }, [
          input,
          q.face ? face(o.value) : el("span", { "class": "ring", "aria-hidden": "true" }),
          el("span", { "class": "grid-option", id: optionId, text: local(o.label) })
        ])]);
      });
      return el("tr", { "class": "q grid-row", id: "kq-" + q.key, "data-key": q.key }, [header].concat(cells));
    });
    return el("table", { "class": "kiosk-grid" + (first.face ? " faces-grid" : ""), "aria-labelledby": titleId }, [
      head, el("tbody", {}, rows)
    ]);
  }

  function question() {
    state.screen = "question";
    var list = screens();
    if (state.index >= list.length) { state.index = list.length - 1; }
    var s = list[state.index];
    var last = state.index === list.length - 1;
    var form = el("form", { "class": "screen questions", novalidate: true, autocomplete: "off" });
    var langs = el("div", { "class": "lang-bar", role: "group", "aria-label": t("language") }, languageButtons(function (code) {
      setLanguage(code);
      question();
      say(local(s.title));
    }));
    form.appendChild(el("div", { "class": "bar" }, [
      el("p", { "class": "progress", text: t("progress", { n: state.index + 1, total: list.length }) }),
      langs
    ]));
    form.appendChild(el("h1", { id: "kiosk-screen-title", text: local(s.title) }));
    var visible = s.questions.filter(shown);
    if (s.grid && visible.length) {
      form.appendChild(gridBlock(visible, "kiosk-screen-title"));
    } else {
      visible.forEach(function (q) { form.appendChild(questionBlock(q)); });
    }
    var back = el("button", { type: "button", "class": "back", text: t("back") });
    back.addEventListener("click", function () {
      if (state.index === 0) { welcome(); } else { state.index -= 1; question(); }
    });
    form.appendChild(el("div", { "class": "nav" }, [back, el("button", { type: "submit", "class": "primary", text: last ? t("submit") : t("next") })]));
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type === "checkbox") {
        state.answers[input.name] = Array.prototype.map.call(
          form.querySelectorAll('input[name="' + input.name + '"]:checked'), function (i) { return i.value; });
      } else {
        state.answers[input.name] = input.value;
      }
      var block = input.closest(".q");
      if (block) { clearError(block); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!checkScreen(form, s)) { return; }
      if (last) { finish(); } else { state.index += 1; question(); }
    });
    show(form);
  }

  function clearError(block) {
    var error = block.querySelector(".error");
    error.hidden = true;
    error.textContent = "";
    block.classList.remove("has-error");
    if (block.tagName === "TR") {
      // A grid row: the message described each of its radios.
      Array.prototype.forEach.call(block.querySelectorAll("input"), function (input) {
        input.removeAttribute("aria-invalid");
        var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== error.id; });
        if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
      });
    } else {
      block.removeAttribute("aria-describedby");
    }
  }

  function checkScreen(form, s) {
    var missing = s.questions.filter(function (q) {
      var v = state.answers[q.key];
      return shown(q) && q.required && (v === undefined || v === "" || (Array.isArray(v) && !v.length));
    });
    missing.forEach(function (q) {
      var block = form.querySelector('[data-key="' + q.key + '"]');
      var error = block.querySelector(".error");
      error.textContent = t("required");
      error.hidden = false;
      block.classList.add("has-error");
      if (block.tagName === "TR") {
        Array.prototype.forEach.call(block.querySelectorAll("input"), function (input) {
          var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== error.id; });
          input.setAttribute("aria-describedby", ids.concat([error.id]).join(" "));
          input.setAttribute("aria-invalid", "true");
        });
      } else {
        block.setAttribute("aria-describedby", error.id);
      }
    });
    if (missing.length) {
      var first = form.querySelector('[data-key="' + missing[0].key + '"] input');
      first.focus();
      say(t("required"));
      return false;
    }
    return true;
  }

  // -- submitting and the queue ------------------------------------------------------------

  function queue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(items) { window.localStorage.setItem(QUEUE, JSON.stringify(items)); }

  function finish() {
    var answers = {};
    var keep = {};
    screens().forEach(function (s) {
      s.questions.filter(shown).forEach(function (q) { keep[q.key] = true; });
    });
    Object.keys(state.answers).forEach(function (key) { if (keep[key]) { answers[key] = state.answers[key]; } });
    var items = queue();
    items.push({
      key: newKey(),
      version: D.questionnaireVersion,
      language: state.lang,
      answers: answers,
      started_at: state.started,
      submitted_at: new Date().toISOString()
    });
    saveQueue(items);
    state.answers = {};
    thanks();
    sync();
  }

  function thanks() {
    state.screen = "thanks";
    stopIdle();
    var seconds = Math.round(D.thanksSeconds);
    var done = el("button", { type: "button", "class": "primary", text: t("done") });
    done.addEventListener("click", reset);
    var status = el("p", { "class": "status", role: "status", text: navigator.onLine ? t("thanks_saved") : t("thanks_queued") });
    show(el("section", { "class": "screen thanks" }, [
      el("h1", { text: local(D.thanks) || t("thanks_saved") }),
      status,
      el("p", { "class": "countdown", text: t("thanks_return", { seconds: seconds }) }),
      done
    ]));
    thanksTimer = window.setTimeout(reset, D.thanksSeconds * 1000);
  }

  function reset() {
    window.clearTimeout(thanksTimer);
    stopIdle();
    state.answers = {};
    state.started = null;
    state.index = 0;
    setLanguage(D.languages[0].code);
    welcome();
  }

  function send(item, count) {
    return window.fetch(D.urls.responses, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-Kiosk-Queue": String(count), "X-Kiosk-Version": D.version },
      body: JSON.stringify(item)
    });
  }

  // Each answer is removed from the queue only once the server has it (stored now or
  // before, by its key) or has refused it for good (invalid, too fast); a network
  // failure, a refused credential or a limit keeps it for the next try.
  function sync() {
    if (syncing) { return Promise.resolve(); }
    var items = queue();
    if (!items.length) { return contact(); }
    syncing = true;
    var item = items[0];
    return send(item, items.length).then(function (response) {
      var s = response.status;
      if (s === 401) { unpaired = true; return false; }
      unpaired = false;
      if (s === 200 || s === 201 || s === 400 || s === 409 || s === 422) {
        saveQueue(queue().filter(function (other) { return other.key !== item.key; }));
        return true;
      }
      return false;
    }, function () { return false; }).then(function (more) {
      syncing = false;
      if (more) { return sync(); }
    });
  }

  function contact() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return window.fetch(D.urls.contact, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Kiosk-Queue": String(queue().length), "X-Kiosk-Version": D.version }
    }).then(function (response) { unpaired = response.status === 401; }, function () {});
  }

  // -- idle: warn, allow more time, then clear ---------------------------------------------

  function stopIdle() {
    window.clearTimeout(idleTimer);
    window.clearTimeout(warnTimer);
    window.clearInterval(warnTick);
    if (!dialog.hidden) { dialog.hidden = true; }
  }

  function touched() {
    if (state.screen !== "question" && state.screen !== "pin") { return; }
    if (!dialog.hidden) { return; }
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(warn, D.idleSeconds * 1000);
  }

  function warn() {
    var left = Math.round(D.warningSeconds);
    var body = dialog.querySelector(".idle-body");
    dialog.querySelector(".idle-title").textContent = t("idle_title");
    body.textContent = t("idle_body", { seconds: left });
    var more = dialog.querySelector(".more-time");
    more.textContent = t("more_time");
    dialog.hidden = false;
    more.focus();
    say(t("idle_title") + " " + body.textContent);
    warnTick = window.setInterval(function () {
      left = Math.max(0, left - 1);
      body.textContent = t("idle_body", { seconds: left });
    }, 1000);
    warnTimer = window.setTimeout(reset, D.warningSeconds * 1000);
  }

  dialog.querySelector(".more-time").addEventListener("click", function () {
    window.clearTimeout(warnTimer);
    window.clearInterval(warnTick);
    dialog.hidden = true;
    var heading = root.querySelector("h1");
    if (heading) { heading.focus(); }
    touched();
  });

  ["pointerdown", "keydown", "input", "change"].forEach(function (name) {
    document.addEventListener(name, touched, true);
  });

  // -- staff: the PIN leaves kiosk mode ----------------------------------------------------

  function pinScreen() {
    state.screen = "pin";
    var input = el("input", { id: "kiosk-pin", type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "12" });
    var error = el("p", { "class": "error", id: "kiosk-pin-error", role: "alert", hidden: true });
    var cancel = el("button", { type: "button", "class": "back", text: t("pin_cancel") });
    cancel.addEventListener("click", reset);
    var form = el("form", { "class": "screen pin", novalidate: true, autocomplete: "off" }, [
      el("h1", { text: t("staff") }),
      el("label", { "for": "kiosk-pin", text: t("pin_label") }),
      input,
      error,
      el("div", { "class": "nav" }, [cancel, el("button", { type: "submit", "class": "primary", text: t("pin_submit") })])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.fetch(D.urls.leave, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ pin: input.value })
      }).then(function (response) {
        input.value = "";
        if (response.status === 204) { staffScreen(); return; }
        if (response.status === 401) { unpaired = true; }
        error.textContent = response.status === 401 ? t("unpaired") : t("pin_wrong");
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
        input.focus();
      }, function () {
        error.textContent = t("pin_offline");
        error.hidden = false;
      });
    });
    show(form, input);
    touched();
  }

  function staffScreen() {
    state.screen = "staff";
    stopIdle();
    if (document.fullscreenElement && document.exitFullscreen) { document.exitFullscreen().catch(function () {}); }
    var count = el("p", { "class": "status", role: "status", text: t("queued", { count: queue().length }) });
    var resume = el("button", { type: "button", "class": "primary", text: t("resume") });
    resume.addEventListener("click", reset);
    var now = el("button", { type: "button", "class": "back", text: t("sync_now") });
    now.addEventListener("click", function () {
      sync().then(function () { count.textContent = t("queued", { count: queue().length }) + (unpaired ? " " + t("unpaired") : ""); });
    });
    show(el("section", { "class": "screen staff" }, [
      el("h1", { text: t("staff_title") }),
      el("p", { text: D.kiosk + " · " + local(D.unit) + " · " + D.version }),
      count,
      unpaired ? el("p", { "class": "error", text: t("unpaired") }) : null,
      el("div", { "class": "nav" }, [now, resume])
    ]));
  }

  function enterFullscreen() {
    var page = document.documentElement;
    if (!document.fullscreenElement && page.requestFullscreen) { page.requestFullscreen().catch(function () {}); }
  }

  // -- start ---------------------------------------------------------------------------

  // Back or Forward into a page kept in the browser's memory starts afresh.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { reset(); } });
  window.addEventListener("online", function () { sync(); });
  syncTimer = window.setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(D.urls.worker, { scope: D.urls.worker.replace(/sw\.js$/, "") }).catch(function () {});
  }
  document.documentElement.classList.add("js");
  reset();
  sync();
})();
