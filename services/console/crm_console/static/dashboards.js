// The dashboards (templates/dashboards): draws each figure's chart with Chart.js (served from
// static/vendor) from its data-chart attribute. The numbers are already in the table beside
// each chart, so the page reads the same without script; the canvas is a picture of that table
// (aria-hidden: a screen reader reads the table instead). Money charts are one per currency.
(function () {
  "use strict";

  // Colours with at least 3:1 contrast against the white page (WCAG's non-text contrast).
  var PALETTE = ["#1f5fa8", "#b3541e", "#2e7d32", "#6a1b9a", "#8d6e00", "#c2185b"];

  function datasets(spec) {
    return spec.series.map(function (series, index) {
      var colours = spec.type === "doughnut"
        ? series.values.map(function (_, i) { return PALETTE[i % PALETTE.length]; })
        : PALETTE[index % PALETTE.length];
      return { label: series.label, data: series.values, backgroundColor: colours, borderWidth: 0 };
    });
  }

  function format(spec, language) {
    var options = spec.currency ? { style: "currency", currency: spec.currency } : {};
    var numbers = new Intl.NumberFormat(language, options);
    return function (value) { return numbers.format(value); };
  }

  function draw(box) {
    var spec;
    try { spec = JSON.parse(box.dataset.chart); } catch (error) { return; }
    var root = document.documentElement;
    var rtl = root.dir === "rtl";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("aria-hidden", "true");
    box.appendChild(canvas);
    var value = format(spec, root.lang);
    var horizontal = Boolean(spec.horizontal);
    var scales = {};
    if (spec.type !== "doughnut") {
      var valueAxis = horizontal ? "x" : "y";
      var labelAxis = horizontal ? "y" : "x";
      scales[valueAxis] = { beginAtZero: true, ticks: { callback: value } };
      scales[labelAxis] = { reverse: rtl && !horizontal, position: horizontal && rtl ? "right" : undefined };
      if (horizontal) { scales.x.reverse = rtl; }
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets(spec) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: root.lang,
        indexAxis: horizontal ? "y" : "x",
        scales: scales,
        plugins: {
          legend: { rtl: rtl, position: "bottom" },
          tooltip: {
            rtl: rtl,
            callbacks: {
              label: function (item) {
                return (item.dataset.label ? item.dataset.label + ": " : "") + value(item.raw);
              }
            }
          }
        }
      }
    });
    box.classList.add("drawn");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }  // the tables carry the figures
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
