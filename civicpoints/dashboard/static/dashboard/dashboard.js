/* Draws the dashboard charts: each <canvas data-chart="ID"> reads the JSON in
   <script type="application/json" id="ID"> (rendered by json_script). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#c8102e", "#e8a33d", "#3b7dd8", "#5b9e5b", "#7d5ba6", "#888888"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (d, i) {
      return {
        label: d.label,
        data: d.data,
        stack: d.stack,
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length]
      };
    });
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } }
      }
    });
  });
})();
