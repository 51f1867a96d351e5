/* Charts of the cycle-time, approver-turnaround and burn-down pages: each <canvas data-chart="ID"> is drawn from the
   JSON of <script type="application/json" id="ID"> ({kind, labels, datasets: [{label, data, dashed?, point?}], drill:
   [url per label], unit}); a click on a bar opens its drill-down address. No inline script: the CSP allows none. */
(function () {
  "use strict";
  var COLOURS = ["#2f6fb0", "#e07b39", "#3a9d5d", "#b0413e", "#7b5ea7", "#8c8c8c"];

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: set.label,
        data: set.data.map(number),
        backgroundColor: colour,
        borderColor: colour,
        borderDash: set.dashed ? [6, 4] : [],
        pointRadius: set.point ? 6 : 3,
        spanGaps: false,
        fill: false,
      };
    });
    var chart = new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.unit } } },
        plugins: { legend: { position: "bottom" } },
        onClick: function (event, elements) {
          if (!elements.length || !spec.drill || !spec.drill[elements[0].index]) {
            return;
          }
          window.location.assign(spec.drill[elements[0].index]);
        },
        onHover: function (event, elements) {
          var target = event.native && event.native.target;
          if (target) {
            target.classList.toggle("chart-clickable", Boolean(elements.length && spec.drill && spec.drill.length));
          }
        },
      },
    });
    canvas.setAttribute("data-chart-ready", String(chart.data.datasets.length));
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
