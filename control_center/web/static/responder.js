// The responder's phone reports its position while the page is open (no inline script: CSP).
// The CSRF token comes from the page itself (data-csrf-token on .responder), which is there before the
// first fix; the job fragment arrives later. A refused or failed upload is tried again on the next fix.
(function () {
  if (!("geolocation" in navigator)) return;
  const holder = document.querySelector("[data-csrf-token]");
  const token = holder ? holder.getAttribute("data-csrf-token") : "";
  let last = 0;
  let sending = false;
  navigator.geolocation.watchPosition(function (pos) {
    const now = Date.now();
    if (sending || now - last < 15000) return; // at most every 15 s
    sending = true;
    fetch("/api/responder/position", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
      body: JSON.stringify({lat: pos.coords.latitude, lon: pos.coords.longitude}),
    }).then(function (response) {
      if (response.ok) last = now;
      if (holder) holder.setAttribute("data-position-sent", response.ok ? "ok" : String(response.status));
    }).catch(function () {}).finally(function () { sending = false; });
  }, function () {}, {enableHighAccuracy: true, maximumAge: 10000});
})();
