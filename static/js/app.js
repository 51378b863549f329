// The project's one general script (no inline JavaScript anywhere: the CSP forbids it).
// - <select data-autosubmit> submits its form on change.
// - [data-figure="id"] elements are drawn with Plotly from the JSON in <script id="id">.
(function () {
  "use strict";

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () {
        if (el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
      });
    });
  }

  function drawFigures(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      window.Plotly.react(el, fig.data || [], fig.layout || {}, Object.assign({ displayModeBar: false, responsive: true }, fig.config || {}));
    });
  }

  function init(root) {
    autosubmit(root);
    drawFigures(root);
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
    document.body && document.body.addEventListener("htmx:beforeCleanupElement", function (evt) {
      var el = evt.detail.elt;
      if (window.Plotly && el && el.dataset && el.dataset.figure) window.Plotly.purge(el);
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
