// Spec session countdown. The server renders each timer with the phase's start time, its time box
// and the server's clock; this script only counts down (no inline script: the CSP forbids it).
//   <span class="countdown" data-countdown-start="ISO" data-countdown-minutes="15"
//         data-server-now="ISO" data-overtime-label="over">15:00</span>
(function () {
  "use strict";

  var timers = [];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function format(seconds) {
    var s = Math.abs(Math.round(seconds));
    var m = Math.floor(s / 60);
    return m + ":" + pad(s % 60);
  }

  function bind(el) {
    if (el.dataset.bound) return;
    el.dataset.bound = "1";
    var start = Date.parse(el.dataset.countdownStart);
    var minutes = parseFloat(el.dataset.countdownMinutes);
    var serverNow = Date.parse(el.dataset.serverNow);
    if (isNaN(start) || isNaN(minutes)) return;
    // The browser's clock may be off: count from the server's time.
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    timers.push({ el: el, end: start + minutes * 60000, total: minutes * 60000, skew: skew });
  }

  function tick() {
    timers = timers.filter(function (t) { return document.body.contains(t.el); });
    timers.forEach(function (t) {
      var left = (t.end - (Date.now() + t.skew)) / 1000;
      var box = t.el.closest(".timer") || t.el;
      if (left >= 0) {
        t.el.textContent = format(left);
        box.classList.toggle("is-late", left * 1000 <= t.total * 0.2);
        box.classList.remove("is-over");
      } else {
        t.el.textContent = "+" + format(left) + " " + (t.el.dataset.overtimeLabel || "");
        box.classList.add("is-over");
      }
    });
  }

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-countdown-start]").forEach(bind);
    if (root.matches && root.matches("[data-countdown-start]")) bind(root);
    tick();
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
  setInterval(tick, 1000);
})();
