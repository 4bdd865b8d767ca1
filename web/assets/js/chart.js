// chart.js - small SVG charts for the dashboard, no library: vertical
// grouped bars over days and horizontal bars for named values. Colours
// come from CSS classes (chart-s0, chart-s1, ...), so the stylesheet
// keeps the palette and the contrast in one place.

import { h, svg, add } from './dom.js';

const W = 480;
const H = 220;
const PAD = { l: 58, r: 8, t: 12, b: 30 };

// niceMax - a round upper bound for the axis (1, 2, 5 x 10^n).
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// niceStep - the smallest 1, 2, 5 x 10^n at least v.
function niceStep(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5]) if (m * p >= v - 1e-9 * p) return m * p;
  return 10 * p;
}

// axisTicks - the values an axis from 0 up to max is labelled with: at
// most five, evenly spaced by 1, 2 or 5 x 10^n and never closer than
// minStep (1 for counts and for money in minor units, so a chart of 2
// cents is labelled 0, 1, 2 cents rather than three roundings of 1.33),
// each one's text (format) different from the one before. The last tick
// is the top of the axis.
export function axisTicks(max, { minStep = 0, format = String } = {}) {
  let step = niceStep(max > 0 ? max / 4 : 1);
  if (minStep && step < minStep) step = minStep;
  for (;;) {
    const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
    const ticks = [];
    for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v / step) * step);
    const texts = ticks.map((v) => format(v));
    if (texts.every((t, i) => i === 0 || t !== texts[i - 1])) return ticks;
    step = niceStep(step * 1.5); // labels too fine for the format: coarser
  }
}

// barChart - series: [{name, values: [number]}], labels: [text] (one per
// slot), format(v) for the axis and tooltips. Returns a figure with a
// legend; the SVG carries a text summary for screen readers.
export function barChart({ title, series, labels, format = String, summary, integer = false, palette = 0 }) {
  const n = labels.length;
  let max = 0;
  for (const s of series) for (const v of s.values) max = Math.max(max, v);
  const ticks = axisTicks(max, { minStep: integer ? 1 : 0, format });
  const top = ticks[ticks.length - 1];
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(1.5, (slot * 0.8) / series.length);
  const y = (v) => PAD.t + plotH - (v / top) * plotH;

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': summary || title, preserveAspectRatio: 'xMidYMid meet' });
  // grid and y axis: one line per tick
  for (const v of ticks) {
    add(root, svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'chart-grid' }),
      svg('text', { x: PAD.l - 6, y: y(v) + 4, class: 'chart-axis', 'text-anchor': 'end' }, format(v)));
  }
  // x labels: about six evenly spaced
  const every = Math.max(1, Math.ceil(n / 6));
  labels.forEach((lab, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    add(root, svg('text', { x: PAD.l + slot * i + slot / 2, y: H - 8, class: 'chart-axis', 'text-anchor': 'middle' }, lab));
  });
  series.forEach((s, si) => {
    s.values.forEach((v, i) => {
      if (!v) return;
      const x = PAD.l + slot * i + slot * 0.1 + barW * si;
      const top2 = y(v);
      add(root, svg('rect', { x: x.toFixed(1), y: top2.toFixed(1), width: barW.toFixed(1),
        height: Math.max(1, PAD.t + plotH - top2).toFixed(1), class: `chart-s${si + palette}`, rx: 1.5 },
        svg('title', {}, `${labels[i]}: ${s.name} ${format(v)}`)));
    });
  });
  return figure(title, root, series.map((s) => s.name), palette);
}

// hbarChart - rows: [{label, value, note}] as horizontal bars.
export function hbarChart({ title, rows, format = String, summary, empty = 'No data.' }) {
  if (!rows.length) {
    return h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), h('p', { class: 'muted' }, empty));
  }
  const rowH = 34;
  const height = rows.length * rowH + 8;
  const labelW = 150;
  const valueW = 100;
  const plotW = W - labelW - valueW;
  const max = niceMax(Math.max(...rows.map((r) => Math.max(0, r.value || 0))));
  const root = svg('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart', role: 'img',
    'aria-label': summary || title });
  rows.forEach((r, i) => {
    const yy = 4 + i * rowH;
    const wv = r.value > 0 ? Math.max(2, (r.value / max) * plotW) : 0;
    const label = r.label.length > 20 ? `${r.label.slice(0, 19)}…` : r.label;
    add(root, 
      svg('text', { x: labelW - 10, y: yy + rowH / 2 + 4, class: 'chart-label', 'text-anchor': 'end' }, label,
        svg('title', {}, r.label)),
      svg('rect', { x: labelW, y: yy + 6, width: plotW, height: rowH - 12, class: 'chart-track', rx: 3 }),
      wv ? svg('rect', { x: labelW, y: yy + 6, width: wv.toFixed(1), height: rowH - 12, class: `chart-s${r.series || 0}`, rx: 3 },
        svg('title', {}, `${r.label}: ${r.note || format(r.value)}`)) : null,
      svg('text', { x: W - 4, y: yy + rowH / 2 + 4, class: 'chart-value', 'text-anchor': 'end' }, r.note || format(r.value)));
  });
  return figure(title, root, [], 0);
}

function figure(title, chart, legend, palette) {
  return h('figure', { class: 'chart-figure' },
    h('figcaption', {}, title),
    chart,
    legend.length > 1 ? h('ul', { class: 'chart-legend' },
      legend.map((name, i) => h('li', {}, h('span', { class: `chart-key chart-s${i + palette}`, 'aria-hidden': 'true' }), name))) : null);
}
