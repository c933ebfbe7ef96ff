// The queue as a workstation (console.html): SLA colours that move with the ticking timers (live.js ticks
// the timers themselves), keyboard shortcuts, the focused row kept across live refreshes, filters in the URL.
(function () {
  "use strict";

  const ROW = "table.queue tbody tr[data-incident]";
  let focusedRow = null; // the id of the row that has (or last had) the keyboard focus

  // --- SLA: the same rule as console/queue_rules.py sla_state, on the browser's clock ----------------
  function slaState(seconds, warn, late) {
    if (seconds >= late) return "late";
    if (seconds >= warn) return "warn";
    return "ok";
  }

  function slaTick() {
    const table = document.querySelector("table.queue");
    if (!table) return;
    const now = Date.now();
    table.querySelectorAll("tr[data-sla-warn]").forEach(function (tr) {
      const opened = Date.parse(tr.getAttribute("data-opened"));
      if (isNaN(opened)) return;
      const state = slaState((now - opened) / 1000, Number(tr.getAttribute("data-sla-warn")),
        Number(tr.getAttribute("data-sla-late")));
      if (tr.getAttribute("data-sla") === state) return;
      tr.classList.remove("sla-ok", "sla-warn", "sla-late");
      tr.classList.add("sla-" + state);
      tr.setAttribute("data-sla", state);
      const label = tr.querySelector(".sla-label");
      if (label) label.textContent = table.getAttribute("data-label-" + state) || "";
    });
  }

  // --- keyboard -------------------------------------------------------------------------------------
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROW));
  }

  function typing(target) {
    return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function focusRow(tr) {
    if (!tr) return;
    rows().forEach(function (r) { r.tabIndex = r === tr ? 0 : -1; });
    tr.focus();
  }

  function toggleLegend(show) {
    const legend = document.getElementById("queue-legend");
    if (!legend) return;
    legend.hidden = show === undefined ? !legend.hidden : !show;
    document.querySelectorAll("[aria-controls='queue-legend']").forEach(function (b) {
      b.setAttribute("aria-expanded", String(!legend.hidden));
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    if (typing(ev.target)) return; // typing a filter or a note: the keys are the operator's words
    const list = rows();
    const current = document.activeElement && document.activeElement.closest ? document.activeElement.closest(ROW) : null;
    const at = list.indexOf(current);
    const onPage = !current && (document.activeElement === document.body || document.activeElement.id === "main");
    switch (ev.key) {
      case "j":
        focusRow(list[at + 1] || list[at] || list[0]);
        break;
      case "k":
        focusRow(list[at - 1] || list[at] || list[0]);
        break;
      case "ArrowDown":
        if (!current && !onPage) return;
        focusRow(list[at + 1] || list[at] || list[0]);
        break;
      case "ArrowUp":
        if (!current && !onPage) return;
        focusRow(list[at - 1] || list[at] || list[0]);
        break;
      case "Enter":
        if (!current || ev.target !== current) return; // a link or button in the row does its own thing
        current.querySelector("a[data-open]").click();
        break;
      case "/": {
        const first = document.querySelector("#queue-filters input");
        if (!first) return;
        first.focus();
        break;
      }
      case "?":
        toggleLegend();
        break;
      case "Escape":
        toggleLegend(false);
        return;
      default:
        return;
    }
    ev.preventDefault();
  });

  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[aria-controls='queue-legend']")) toggleLegend();
  });

  // --- focus across live refreshes ------------------------------------------------------------------
  document.addEventListener("focusin", function (ev) {
    const tr = ev.target.closest ? ev.target.closest(ROW) : null;
    focusedRow = tr ? tr.id : null;
  });

  document.addEventListener("htmx:afterSettle", function (ev) {
    if (!ev.target || ev.target.id !== "queue") return;
    slaTick();
    if (!focusedRow) return;
    const tr = document.getElementById(focusedRow);
    // The morph keeps the node and so the focus; if the row was rebuilt, focus it again; if it left the
    // queue (closed, filtered out), the focus goes to the queue's first row rather than nowhere.
    if (tr && document.activeElement !== tr && !tr.contains(document.activeElement)) {
      if (document.activeElement === document.body || !document.activeElement) focusRow(tr);
    } else if (tr) {
      rows().forEach(function (r) { r.tabIndex = r === tr ? 0 : -1; });
    } else if (document.activeElement === document.body) {
      focusRow(rows()[0]);
    }
  });

  // --- filters in the URL ---------------------------------------------------------------------------
  document.addEventListener("change", function (ev) {
    const form = ev.target.closest ? ev.target.closest("#queue-filters") : null;
    if (!form) return;
    const query = new URLSearchParams(new FormData(form)).toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  });

  slaTick();
  window.setInterval(slaTick, 1000);
})();
