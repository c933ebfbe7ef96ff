// Live truth on the console's pages (no inline script: the CSP allows scripts from /static only).
//
// 1. Live regions. An element with data-live-incident="12" (or "*" for any incident) gets the DOM event
//    "live-changed" when the server-sent event "incidents" names that incident; its own hx-get /
//    hx-trigger="live-changed" then re-fetches it, usually with hx-swap="morph:..." (idiomorph), which
//    keeps the nodes, and so the focus and what the operator is typing.
// 2. Timers. Every [data-since="<ISO time>"] shows the time elapsed since then (m:ss, or h:mm:ss),
//    ticking every second on its own; any page may use it (the queue, the incident, the responder).
(function () {
  "use strict";

  // --- 1. live regions ------------------------------------------------------------------------------
  function changed(data) {
    const ids = String(data || "").split(",").map(function (s) { return s.trim(); });
    document.querySelectorAll("[data-live-incident]").forEach(function (el) {
      const mine = el.getAttribute("data-live-incident");
      if (mine === "*" || ids.indexOf(mine) !== -1) htmx.trigger(el, "live-changed");
    });
  }

  const heard = new WeakSet(); // each EventSource once, also after the SSE extension reconnects

  // Each region re-fetches by its own trigger: "live-changed", or the stream's event it listens for.
  function askAgain(root) {
    (root || document).querySelectorAll("[data-live-incident]").forEach(function (el) {
      htmx.trigger(el, "live-changed");
    });
    (root || document).querySelectorAll("[hx-trigger*='sse:']").forEach(function (el) {
      const names = el.getAttribute("hx-trigger").match(/sse:[A-Za-z0-9_-]+/g) || [];
      names.forEach(function (name) { htmx.trigger(el, name); });
    });
  }
  document.addEventListener("htmx:sseOpen", function (ev) {
    const source = ev.detail && ev.detail.source;
    if (source && !heard.has(source)) {
      heard.add(source);
      source.addEventListener("incidents", function (msg) { changed(msg.data); });
    }
    // Whatever changed before the stream listened was not heard: after a drop, and also at the first
    // open, since the page's content was read while the stream was still connecting. So every live
    // region asks again now (a fire worked in between would otherwise wait for the next event).
    askAgain(ev.target);
    // For people and tests: the page is listening from now on.
    document.body.setAttribute("data-live", "open");
  });
  document.addEventListener("htmx:sseError", function () {
    document.body.setAttribute("data-live", "reconnecting");
  });

  // What the person is doing is theirs: a morph never overwrites typed text, a ticked box or radio,
  // a selected option or an opened <details> (idiomorph's callback; false = leave that attribute alone).
  if (window.Idiomorph) {
    window.Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (name, el) {
      const tag = el.tagName;
      if (name === "value" && (tag === "TEXTAREA" || (tag === "INPUT" && el.type !== "hidden"))) return false;
      if (name === "checked" && tag === "INPUT") return false;
      if (name === "selected" && tag === "OPTION") return false;
      if (name === "open" && tag === "DETAILS") return false;
      // A task or section this page's script made focusable to put the focus back on it (incident.js):
      // removing its tabindex would drop the focus to the page.
      if (name === "tabindex" && el === document.activeElement) return false;
      return true;
    };
  }

  // --- 2. timers ------------------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function elapsed(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s % 60) : m + ":" + pad(s % 60);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      const since = Date.parse(el.getAttribute("data-since"));
      if (isNaN(since)) return;
      const seconds = (now - since) / 1000;
      const text = elapsed(seconds);
      if (el.textContent !== text) el.textContent = text;
      el.setAttribute("data-elapsed", String(Math.max(0, Math.floor(seconds))));
    });
  }

  window.ccLive = {elapsed: elapsed, tick: tick}; // for another page's script (the queue's colours)
  tick();
  document.addEventListener("DOMContentLoaded", tick); // loaded in <head>: the page's timers come later
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick); // a fresh fragment shows the right time at once
})();
