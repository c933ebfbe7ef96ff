// The new-alarm alert on every console page (base.html): an open, unclaimed P1/P2 incident shows a banner
// with a link, beeps, flashes the tab title and is announced to screen readers, also while the operator
// works another incident. On each server-sent "incidents" event the page asks GET /console/alerts for the
// open, unclaimed P1/P2 incidents and shows those this workstation has not acknowledged. What was
// acknowledged is kept in localStorage (so a page change does not lose an alarm, and every tab of the
// workstation agrees) as "id@opened-at" keys: not a highest id, since two incidents may commit out of id
// order, and a database started afresh reuses ids. Keys of incidents no longer open and unclaimed are
// dropped on each answer, so the set stays small.
//
// Sound: browsers start Web Audio only after the person has used the page (a click or a key) — Chrome
// remembers that per site. The first click or key on any console page unlocks it; before that the beep
// is attempted and recorded as blocked. A workstation can allow it for good through the browser's policy
// (Chrome: AutoplayAllowlist with the console's address). body[data-alert-sound] records the last
// attempt ("played", "blocked" or "unavailable") and body[data-alert-sounds] how many.
(function () {
  "use strict";

  const KEY = "cc-alert-ack"; // the keys of the alarms this workstation acknowledged (JSON array)
  const box = document.getElementById("alarm-alert");
  const announcer = document.getElementById("alarm-announcer");
  if (!box || !announcer) return;

  const baseTitle = document.title;
  const announced = new Set(); // on this page: an incident beeps and is announced once
  let ack = readAck();
  let chain = Promise.resolve();
  let flashTimer = null;
  let audio = null;

  function readAck() {
    try {
      const value = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return new Set(Array.isArray(value) ? value.map(String) : []);
    } catch (e) {
      return new Set(); // an older format, or damaged: alert again rather than stay silent
    }
  }

  function saveAck(keys) {
    ack = keys;
    window.localStorage.setItem(KEY, JSON.stringify(Array.from(keys)));
  }

  function keyOf(li) {
    return li.getAttribute("data-alert-key");
  }

  // One request at a time, in order: a burst of events never shows an older answer over a newer one.
  function refresh() {
    chain = chain.then(load, load);
  }

  async function load() {
    const response = await fetch("/console/alerts", {credentials: "same-origin", headers: {Accept: "text/html"}});
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const body = template.content.querySelector(".alarm-alert-body");
    if (!body) return;
    const open = new Set(Array.prototype.map.call(body.querySelectorAll("[data-alert-incident]"), keyOf));
    saveAck(new Set(Array.from(ack).filter(function (key) { return open.has(key); })));
    body.querySelectorAll("[data-alert-incident]").forEach(function (li) {
      if (ack.has(keyOf(li))) li.remove(); // acknowledged here: the queue shows it, the banner not
    });
    show(body);
  }

  function show(body) {
    const items = Array.prototype.slice.call(body.querySelectorAll("[data-alert-incident]"));
    if (items.length === 0) {
      // Claimed or closed meanwhile (by anyone): the banner stays true.
      box.hidden = true;
      box.replaceChildren();
      stopFlash();
      return;
    }
    const fresh = items.filter(function (li) { return !announced.has(keyOf(li)); });
    box.replaceChildren(body);
    box.hidden = false;
    if (fresh.length === 0) return;
    fresh.forEach(function (li) { announced.add(keyOf(li)); });
    announce(fresh.map(function (li) { return li.getAttribute("data-announce"); }).join("。"));
    beep();
    flash(fresh[0].getAttribute("data-title") || "");
    document.body.setAttribute("data-alert", fresh[0].getAttribute("data-alert-incident"));
  }

  function announce(text) {
    // Emptied first, so the same words said again are announced again.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // --- the title ------------------------------------------------------------------------------------
  function flash(label) {
    stopFlash();
    let plain = false;
    document.title = label + " " + baseTitle;
    flashTimer = window.setInterval(function () {
      plain = !plain;
      document.title = plain ? baseTitle : label + " " + baseTitle;
    }, 1000);
    document.body.setAttribute("data-alert-flash", "on");
  }

  function stopFlash() {
    if (flashTimer !== null) window.clearInterval(flashTimer);
    flashTimer = null;
    document.title = baseTitle;
    if (document.body.hasAttribute("data-alert-flash")) document.body.setAttribute("data-alert-flash", "off");
  }

  window.addEventListener("focus", stopFlash); // the operator came back to this tab: it has been seen

  // --- the sound ------------------------------------------------------------------------------------
  function context() {
    if (audio === null) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      audio = new Context();
    }
    return audio;
  }

  function unlock() {
    const ctx = context();
    if (ctx && ctx.state === "suspended") ctx.resume().catch(function () {});
  }
  document.addEventListener("pointerdown", unlock, {capture: true, passive: true});
  document.addEventListener("keydown", unlock, {capture: true, passive: true});

  function beep() {
    let result = "unavailable";
    try {
      const ctx = context();
      if (ctx) {
        if (ctx.state === "suspended") ctx.resume().catch(function () {});
        const start = ctx.currentTime + 0.01;
        for (let n = 0; n < 3; n++) { // three short high tones: not mistaken for a phone
          const tone = ctx.createOscillator();
          const gain = ctx.createGain();
          tone.type = "square";
          tone.frequency.value = 880;
          gain.gain.value = 0.15;
          tone.connect(gain).connect(ctx.destination);
          tone.start(start + n * 0.3);
          tone.stop(start + n * 0.3 + 0.18);
        }
        result = ctx.state === "running" ? "played" : "blocked";
      }
    } catch (e) {
      result = "unavailable";
    }
    const body = document.body;
    body.setAttribute("data-alert-sound", result);
    body.setAttribute("data-alert-sounds", String(parseInt(body.getAttribute("data-alert-sounds") || "0", 10) + 1));
  }

  // --- acknowledging --------------------------------------------------------------------------------
  function acknowledge() {
    const keys = new Set(ack);
    box.querySelectorAll("[data-alert-incident]").forEach(function (li) { keys.add(keyOf(li)); });
    saveAck(keys);
    box.hidden = true;
    box.replaceChildren();
    stopFlash();
  }

  box.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-alert-ack], [data-alert-open]")) acknowledge(); // the link then opens it
  });

  window.addEventListener("storage", function (ev) {
    if (ev.key === KEY) { ack = readAck(); refresh(); } // acknowledged in another tab
  });

  // --- listening ------------------------------------------------------------------------------------
  const heard = new WeakSet();
  document.addEventListener("htmx:sseOpen", function (ev) {
    const source = ev.detail && ev.detail.source;
    if (source && !heard.has(source)) {
      heard.add(source);
      source.addEventListener("incidents", refresh);
    }
    refresh(); // (re)connected: whatever came meanwhile
  });

  refresh();
})();
