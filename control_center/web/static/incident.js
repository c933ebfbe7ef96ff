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
