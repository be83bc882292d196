// The charts of /reports, drawn with Chart.js (served by the app: /vendor/chart.js/, no CDN) and the
// words their numbers are written in. Every chart is an image (role="img") with its numbers spoken in
// its aria-label and written in the table beside it: the table, not the picture, is the record.

const Chart = window.Chart;

export const COLORS = {
  phone: "#0b5cad",
  mobile_team: "#1b7a3a",
  co_response: "#a35200",
  emergency_911: "#b00020",
  median: "#0b5cad",
  p90: "#8fb4de",
  target: "#b00020",
  bar: "#46617d",
};

if (Chart) {
  Chart.defaults.animation = false; // a report is read, not watched; print and tests see the final picture
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || "system-ui, sans-serif";
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#14171a";
  Chart.defaults.maintainAspectRatio = false;
}

// --- words -----------------------------------------------------------------------------------

// 45 -> "45 s", 96 -> "1 min 36 s", 2280 -> "38 min", 4320 -> "1 h 12 min"; null -> "—".
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  if (s < 600) return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
  if (s < 3600) return Math.round(s / 60) + " min";
  const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
  if (h >= 48) return Math.floor(h / 24) + " d" + (h % 24 ? " " + (h % 24) + " h" : "");
  return h + " h" + (m ? " " + m + " min" : "");
}

// 0.8312 -> "83 %"; 0.004 -> "under 1 %" (never "0 %" for something that happened); null -> "—".
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return "—";
  if (share > 0 && share < 0.005) return "under 1 %";
  if (share < 1 && share > 0.995) return "over 99 %";
  return Math.round(share * 100) + " %";
}

export function minutes(seconds) {
  return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10;
}

// --- the target line -------------------------------------------------------------------------

// A dashed line at `value` on the value axis, with its words: options.plugins.targetLine =
// { value, axis: "x" | "y", label }.
const targetLine = {
  id: "targetLine",
  afterDatasetsDraw(chart, args, options) {
    if (!options || options.value === null || options.value === undefined) return;
    const axis = options.axis || "x";
    const scale = chart.scales[axis];
    if (!scale) return;
    const at = scale.getPixelForValue(options.value);
    const area = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = COLORS.target;
    ctx.fillStyle = COLORS.target;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    if (axis === "x") {
      ctx.moveTo(at, area.top);
      ctx.lineTo(at, area.bottom);
    } else {
      ctx.moveTo(area.left, at);
      ctx.lineTo(area.right, at);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = "600 12px " + Chart.defaults.font.family;
    if (axis === "x") { // above the bars, in the room the chart keeps at its top (layout.padding.top)
      ctx.textAlign = "center";
      ctx.fillText(options.label || "target", Math.min(Math.max(at, area.left + 30), area.right - 30), area.top - 4);
    } else {
      ctx.textAlign = "right";
      ctx.fillText(options.label || "target", area.right - 4, at - 4);
    }
    ctx.restore();
  },
};
if (Chart) Chart.register(targetLine);

// --- building and replacing charts -----------------------------------------------------------

const charts = new Map();

// Draw `config` on `canvas`, replacing the chart it had; its aria-label says the numbers.
export function draw(canvas, config, label) {
  const old = charts.get(canvas) || Chart.getChart(canvas);
  if (old) old.destroy();
  canvas.setAttribute("aria-label", label);
  const chart = new Chart(canvas, config);
  charts.set(canvas, chart);
  return chart;
}

export function forget(canvas) {
  const old = charts.get(canvas) || (Chart && Chart.getChart(canvas));
  if (old) old.destroy();
  charts.delete(canvas);
}

// Median and 90th percentile of one priority as two horizontal bars, its target a line; in minutes,
// or in hours when the target or the bars pass 10 hours (a routine visit's 72 hours).
export function responseConfig({ median, p90, target, targetWords }) {
  const top = Math.max(p90 || 0, median || 0, target || 0); // seconds
  const per = top > 10 * 3600 ? 3600 : 60;
  const scaled = (s) => (s === null || s === undefined ? null : Math.round((s / per) * 10) / 10);
  return {
    type: "bar",
    data: {
      labels: ["Median", "90th percentile"],
      datasets: [{
        label: per === 3600 ? "Response, hours" : "Response, minutes",
        data: [scaled(median), scaled(p90)],
        backgroundColor: [COLORS.median, COLORS.p90],
        borderWidth: 0,
        barPercentage: 0.8,
      }],
    },
    options: {
      indexAxis: "y",
      layout: { padding: { top: 16 } },
      scales: {
        x: { beginAtZero: true, suggestedMax: scaled(top) * 1.12, title: { display: true, text: per === 3600 ? "hours" : "minutes" } },
        y: { grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        targetLine: { value: target ? scaled(target) : null, axis: "x", label: targetWords },
        tooltip: { callbacks: { label: (item) => duration(item.raw * per) } },
      },
    },
  };
}

// Calls per day, stacked by disposition.
export function dailyCallsConfig({ labels, series }) {
  return {
    type: "bar",
    data: {
      labels,
      datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: COLORS[s.key], stack: "calls" })),
    },
    options: {
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "calls" } },
      },
      plugins: { legend: { position: "bottom" }, title: { display: true, text: "Calls per day, by disposition" } },
    },
  };
}

// Response median and 90th percentile per day (minutes); a day with no response is a gap.
export function dailyResponseConfig({ labels, title, median, p90, target, targetWords }) {
  return {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "Response median", data: median, borderColor: COLORS.median, backgroundColor: COLORS.median, tension: 0.2 },
        { label: "Response 90th percentile", data: p90, borderColor: COLORS.p90, backgroundColor: COLORS.p90, borderDash: [4, 3], tension: 0.2 },
      ],
    },
    options: {
      spanGaps: false,
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, suggestedMax: target ? minutes(target) * 1.1 : undefined, title: { display: true, text: "minutes" } },
      },
      plugins: {
        legend: { position: "bottom" },
        title: { display: true, text: title },
        targetLine: { value: target ? minutes(target) : null, axis: "y", label: targetWords },
        tooltip: { callbacks: { label: (item) => item.dataset.label + ": " + duration(item.raw * 60) } },
      },
    },
  };
}

// Counts as horizontal bars (dispositions, outcomes).
export function countsConfig({ labels, data, colors }) {
  return {
    type: "bar",
    data: { labels, datasets: [{ label: "count", data, backgroundColor: colors || COLORS.bar, borderWidth: 0, maxBarThickness: 28 }] },
    options: {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
      plugins: { legend: { display: false } },
    },
  };
}
