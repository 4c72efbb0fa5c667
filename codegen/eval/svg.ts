/**
 * A small SVG writer and the two plots of the eval report: the CDF of interactive wakeup latency
 * per variant, and the CPU share of each class per variant. Everything is escaped text; the
 * output is standalone XML (tests parse it).
 */

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

type Attrs = Record<string, string | number>;

function fmt(v: string | number): string {
  return typeof v === 'number' ? String(Math.round(v * 100) / 100) : v;
}

export function el(name: string, attrs: Attrs, children: string[] | string = []): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(fmt(v))}"`)
    .join('');
  const body = Array.isArray(children) ? children.join('') : escapeXml(children);
  return body === '' ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

export function svgDocument(width: number, height: number, title: string, children: string[]): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  const root = el('svg', { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'sans-serif', 'font-size': 12 }, [
    el('title', {}, title),
    el('rect', { x: 0, y: 0, width, height, fill: 'white' }),
    ...children,
  ]);
  return head + root + '\n';
}

export interface Series {
  label: string;
  color: string;
  /** Sorted ascending. */
  values: readonly number[];
}

const W = 640;
const H = 400;
const M = { left: 60, right: 20, top: 40, bottom: 50 };

/** Empirical CDF of each series, on a log10 x axis (µs). */
export function cdfPlot(title: string, xLabel: string, series: readonly Series[]): string {
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(all.length ? Math.min(...all) : 1));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(all.length ? Math.max(...all) : 10)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * pw;
  const y = (f: number) => M.top + (1 - f) * ph;
  const parts: string[] = [el('text', { x: W / 2, y: 20, 'text-anchor': 'middle', 'font-size': 14 }, title)];
  parts.push(...axes(pw, ph, xLabel, 'fraction of wakeups'));
  for (let d = lo; d <= hi; d++) parts.push(tick(x(10 ** d), M.top + ph, `1e${d}`, 'x'));
  for (const f of [0, 0.25, 0.5, 0.75, 0.99, 1]) parts.push(tick(M.left, y(f), String(f), 'y'));
  series.forEach((s, k) => {
    parts.push(el('polyline', { points: cdfPoints(s.values, x, y), fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    parts.push(legend(k, s.label, s.color));
  });
  return svgDocument(W, H, title, parts);
}

function cdfPoints(values: readonly number[], x: (v: number) => number, y: (f: number) => number): string {
  const n = values.length;
  if (n === 0) return '';
  const pts: string[] = [`${fmt(x(values[0]!))},${fmt(y(0))}`];
  const step = Math.max(1, Math.floor(n / 400));
  for (let i = 0; i < n; i += step) pts.push(`${fmt(x(values[i]!))},${fmt(y((i + 1) / n))}`);
  pts.push(`${fmt(x(values[n - 1]!))},${fmt(y(1))}`);
  return pts.join(' ');
}

export interface BarGroup {
  label: string;
  /** Stack segments, bottom first. */
  parts: { label: string; value: number; color: string }[];
}

/** Stacked bars (one per group), values as fractions 0..1. */
export function stackedBarPlot(title: string, yLabel: string, groups: readonly BarGroup[]): string {
  const pw = W - M.left - M.right - 120;
  const ph = H - M.top - M.bottom;
  const y = (f: number) => M.top + (1 - f) * ph;
  const parts: string[] = [el('text', { x: W / 2, y: 20, 'text-anchor': 'middle', 'font-size': 14 }, title)];
  parts.push(...axes(pw, ph, '', yLabel));
  for (const f of [0, 0.25, 0.5, 0.75, 1]) parts.push(tick(M.left, y(f), `${f * 100}%`, 'y'));
  const bw = pw / Math.max(1, groups.length) / 2;
  groups.forEach((g, i) => {
    const bx = M.left + bw / 2 + i * 2 * bw;
    let acc = 0;
    for (const p of g.parts) {
      parts.push(el('rect', { x: bx, y: y(acc + p.value), width: bw, height: Math.max(0, y(acc) - y(acc + p.value)), fill: p.color }, [el('title', {}, `${g.label} ${p.label}: ${(p.value * 100).toFixed(1)}%`)]));
      acc += p.value;
    }
    parts.push(el('text', { x: bx + bw / 2, y: M.top + ph + 18, 'text-anchor': 'middle' }, g.label));
  });
  groups[0]?.parts.forEach((p, k) => parts.push(legend(k, p.label, p.color)));
  return svgDocument(W, H, title, parts);
}

function axes(pw: number, ph: number, xLabel: string, yLabel: string): string[] {
  return [
    el('line', { x1: M.left, y1: M.top + ph, x2: M.left + pw, y2: M.top + ph, stroke: 'black' }),
    el('line', { x1: M.left, y1: M.top, x2: M.left, y2: M.top + ph, stroke: 'black' }),
    el('text', { x: M.left + pw / 2, y: H - 10, 'text-anchor': 'middle' }, xLabel),
    el('text', { x: 14, y: M.top + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${M.top + ph / 2})` }, yLabel),
  ];
}

function tick(x: number, y: number, label: string, axis: 'x' | 'y'): string {
  return axis === 'x'
    ? el('g', {}, [el('line', { x1: x, y1: y, x2: x, y2: y + 5, stroke: 'black' }), el('text', { x, y: y + 18, 'text-anchor': 'middle' }, label)])
    : el('g', {}, [el('line', { x1: x - 5, y1: y, x2: x, y2: y, stroke: 'black' }), el('text', { x: x - 8, y: y + 4, 'text-anchor': 'end' }, label)]);
}

function legend(k: number, label: string, color: string): string {
  const x = W - M.right - 110;
  const y = M.top + 10 + k * 18;
  return el('g', {}, [el('rect', { x, y: y - 9, width: 12, height: 12, fill: color }), el('text', { x: x + 18, y: y + 1 }, label)]);
}
