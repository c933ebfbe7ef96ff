// Keyboard shortcuts of the incident page (their legend is #shortcuts in incident.html).
// A key does nothing while the operator types in a field, except Esc, which leaves the field.
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) return true;
    if (tag !== "INPUT") return false;
    return ["button", "submit", "reset", "checkbox", "radio", "hidden"].indexOf(el.type) === -1;
  }

  function focusFirst(selectors) {
    for (let i = 0; i < selectors.length; i++) {
      const el = document.querySelector(selectors[i]);
      if (el && !el.disabled) {
        el.focus();
        if (el.scrollIntoView) el.scrollIntoView({block: "nearest"});
        return true;
      }
    }
    return false;
  }

  function help(show) {
    const legend = document.getElementById("shortcuts"); // a <details>: its summary is the visible "?"
    if (!legend) return;
    legend.open = show === undefined ? !legend.open : show;
  }

  const actions = {
    c: function () { return focusFirst(["button[name=claim]"]) && document.activeElement.click(); },
    v: function () { return focusFirst(["form.verify input[name=name]"]); },
    t: function () { return focusFirst(["ol.tasks li input[name=reference]", "ol.tasks li button"]); },
    o: function () { return focusFirst(["form.outcomes input[name=reason]"]); },
    d: function () {
      return focusFirst(["form.candidates input[type=radio]:checked", "form.candidates input[type=radio]"]);
    },
    r: function () { return focusFirst(["form.resolve input[name=reason]"]); },
    w: function () { return focusFirst(["button[name=send_report]"]); },
    q: function () { window.location.assign("/console"); },
    "?": function () { help(); },
  };

  // --- back where the operator was, after an action -------------------------------------------------
  // Every action is a form POST answered by a redirect to this page (web/actions.py), so without help the
  // browser starts again at the top: the keyboard user would Tab through the whole page after each step.
  // The form sent is remembered for this tab (its action, its index among forms of that action, the
  // button pressed, the task or section it sat in); on the page that follows, the focus returns there:
  // to the field to correct after a refusal, to the button after a success, or, when the form is gone
  // (a task done), to its task. The flash stays in view (sticky, incident.css).
  const REMEMBERED = "cc-incident-last-form";

  function anchorOf(el) {
    const task = el.closest("[data-task]");
    if (task) return "[data-task='" + task.getAttribute("data-task") + "']";
    const named = el.closest("[id]");
    return named && named.id ? "#" + CSS.escape(named.id) : null;
  }

  document.addEventListener("submit", function (ev) {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
    const action = form.getAttribute("action") || "";
    const same = Array.prototype.filter.call(document.forms, function (f) {
      return (f.getAttribute("action") || "") === action;
    });
    const button = ev.submitter && ev.submitter.name ? ev.submitter : null;
    try {
      sessionStorage.setItem(REMEMBERED, JSON.stringify({
        path: location.pathname, action: action, index: same.indexOf(form), at: Date.now(),
        button: button ? {name: button.name, value: button.value} : null, anchor: anchorOf(form),
      }));
    } catch (e) { /* storage off: the page simply starts at the top */ }
  }, true);

  function usable(el) { return el && !el.disabled && el.offsetParent !== null; }

  // The flash's room (incident.css): its height, so focus, anchors and the right column keep clear of it.
  function flashRoom() {
    const flash = document.querySelector(".incident-page [data-flash]");
    if (!flash) return;
    const set = function () {
      document.documentElement.style.setProperty("--flash-room", Math.ceil(flash.getBoundingClientRect().height) + "px");
    };
    set();
    if (window.ResizeObserver) new ResizeObserver(set).observe(flash);
  }

  function restore() {
    flashRoom();
    let last = null;
    try {
      last = JSON.parse(sessionStorage.getItem(REMEMBERED) || "null");
      sessionStorage.removeItem(REMEMBERED);
    } catch (e) { return; }
    if (!last || last.path !== location.pathname || Date.now() - last.at > 60000) return;
    const refused = !!document.querySelector("[data-flash].error");
    const forms = Array.prototype.filter.call(document.forms, function (f) {
      return (f.getAttribute("action") || "") === last.action;
    });
    const form = forms[last.index] || (forms.length === 1 ? forms[0] : null);
    let target = null;
    if (form) {
      const field = Array.prototype.find.call(form.elements, function (el) {
        return usable(el) && el.matches("input:not([type=hidden]):not([type=submit]):not([type=button]), textarea, select");
      });
      const button = last.button && Array.prototype.find.call(form.elements, function (el) {
        return el.name === last.button.name && el.value === last.button.value && usable(el);
      });
      const submit = Array.prototype.find.call(form.elements, function (el) {
        return usable(el) && el.matches("button:not([type=button]):not([type=reset]), input[type=submit]");
      });
      // A success lands on a button, never in a field, so the page's letter shortcuts keep working.
      target = refused ? field || button || submit : button || submit || field;
      if (!target) target = Array.prototype.find.call(form.elements, usable) || null;
    }
    if (!target && last.anchor) {
      target = document.querySelector(last.anchor);
      if (target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    }
    if (!target) return;
    target.focus({preventScroll: true});
    if (target.scrollIntoView) target.scrollIntoView({block: "center"});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
  else restore();

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.isComposing) return;
    if (ev.key === "Escape") {
      const legend = document.getElementById("shortcuts");
      if (typing(ev.target)) { ev.target.blur(); return; } // leaves the field; a second Esc goes back
      if (legend && legend.open) { help(false); return; }
      window.location.assign("/console");
      return;
    }
    if (typing(ev.target)) return;
    const act = actions[ev.key.length === 1 ? ev.key.toLowerCase() : ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  });
})();
