// Peelian: draw the server-built Vega-Lite specs and keep them working after HTMX swaps.
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof window.vegaEmbed !== "function") { return; }
    root.querySelectorAll(".vega[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.spec);
      if (!source) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(source.textContent);
      // Marks carry an `href` channel: a click opens the explorer on the posts behind them.
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.setAttribute("data-rendered", "1");
      }).catch(function (error) {
        el.textContent = "This chart could not be drawn (" + error + "); the table below has the same numbers.";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
  window.peelianDrawCharts = drawCharts;
})();
