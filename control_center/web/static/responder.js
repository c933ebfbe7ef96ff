// The responder's phone reports its position while the page is open (no inline script: CSP).
(function () {
  if (!("geolocation" in navigator)) return;
  let last = 0;
  navigator.geolocation.watchPosition(function (pos) {
    const now = Date.now();
    if (now - last < 15000) return; // at most every 15 s
    last = now;
    const meta = document.querySelector('meta[name="csrf-token"]');
    fetch("/api/responder/position", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : ""},
      body: JSON.stringify({lat: pos.coords.latitude, lon: pos.coords.longitude}),
    });
  }, function () {}, {enableHighAccuracy: true, maximumAge: 10000});
})();
