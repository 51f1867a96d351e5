// The spend page's bar chart (Chart.js 4.6.1, vendored): the figures of the table beside it, read from the
// <script type="application/json" id="spend-data"> element the page writes (the CSP runs no inline script).
// A click on a bar opens what the row's link opens: the next UNSPSC level, or the requisition lines behind it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const source = document.getElementById("spend-data");
  const canvas = document.getElementById("spend-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = ["#1f5fa8", "#d9822b", "#3a9d5d"];
  const locale = document.documentElement.lang || undefined;
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  const horizontal = data.labels.length > 8 || window.matchMedia("(max-width: 767.98px)").matches;
  canvas.parentElement.classList.toggle("spend-chart-tall", horizontal && data.labels.length > 8);
  const chart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, index) {
        return {
          label: series.label,
          // Amounts come as exact decimal strings; the chart only draws them (the table shows the exact text).
          data: series.data.map(Number),
          backgroundColor: colours[index % colours.length],
          stack: index < 2 ? "committed" : "actual",
        };
      }),
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, title: { display: horizontal, text: data.axis } },
        y: { stacked: true, title: { display: !horizontal, text: data.axis } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + format.format(context.raw) + " " + data.currency;
            },
          },
        },
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
      onClick: function (event, elements) {
        if (elements.length) window.location.assign(data.urls[elements[0].index]);
      },
    },
  });
  canvas.dataset.ready = "true";
  window.spendChart = chart;
});
