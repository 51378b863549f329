// Decision reviews: the speaking-time tracker. The server renders each side's seconds (server
// clock) and who is speaking; between renders this script adds the time elapsed since the render
// to the speaking side, so the shares move live on every screen. Keys P, T and S (nobody) press
// the tracker's buttons, which only the facilitator and the presenters see. No inline JavaScript:
// the CSP forbids it.
(function () {
  "use strict";

  var tracker = null;   // {el, open, renderedAt (client ms), blocks: [{el, product, tech}]}

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    return Math.floor(total / 60) + ":" + pad(total % 60);
  }

  function read() {
    var el = document.querySelector("[data-speaking]");
    if (!el) { tracker = null; return; }
    if (tracker && tracker.el === el) return;
    var blocks = [];
    el.querySelectorAll("[data-share-block]").forEach(function (block) {
      blocks.push({
        el: block,
        product: parseFloat(block.dataset.product) || 0,
        tech: parseFloat(block.dataset.tech) || 0
      });
    });
    tracker = { el: el, open: el.dataset.open || "", renderedAt: Date.now(), blocks: blocks };
    render();
  }

  function render() {
    if (!tracker || !document.body.contains(tracker.el)) { tracker = null; return; }
    var extra = tracker.open ? Math.max(0, (Date.now() - tracker.renderedAt) / 1000) : 0;
    tracker.blocks.forEach(function (b) {
      var product = b.product + (tracker.open === "product" ? extra : 0);
      var tech = b.tech + (tracker.open === "tech" ? extra : 0);
      var total = product + tech;
      var shares = { product: total > 0 ? product / total : null, tech: total > 0 ? tech / total : null };
      var seconds = { product: product, tech: tech };
      ["product", "tech"].forEach(function (side) {
        var pct = b.el.querySelector('[data-share-pct="' + side + '"]');
        var time = b.el.querySelector('[data-share-time="' + side + '"]');
        var fill = b.el.querySelector('[data-share-fill="' + side + '"]');
        var text = shares[side] === null ? "–" : Math.round(shares[side] * 100) + " %";
        if (pct && pct.textContent !== text) pct.textContent = text;
        var t = clock(seconds[side]);
        if (time && time.textContent !== t) time.textContent = t;
        if (fill) fill.style.width = (shares[side] === null ? 50 : shares[side] * 100) + "%";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", read);
  document.addEventListener("htmx:afterSettle", read);
  window.setInterval(function () { if (!tracker) read(); render(); }, 250);

  var KEYS = { p: "product", t: "tech", s: "none" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var target = e.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var side = KEYS[(e.key || "").toLowerCase()];
    if (!side) return;
    var button = document.querySelector('#sync-live [data-speak="' + side + '"]');
    if (!button || button.disabled) return;
    e.preventDefault();
    button.click();
  });
})();
