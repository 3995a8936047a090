// bench/report/report.mjs — turns bank-load's JSON lines into charts and a
// table: latency percentiles against generators (latency.svg, log scale),
// CPU of the gateway, the command handler, the broker and bank-load itself
// against generators (cpu.svg), their resident memory (rss.svg), and
// report.md with one table row per input and generator count.
//
//   node bench/report/report.mjs [--out DIR] RUN.jsonl [RUN2.jsonl ...]
//   bank-load ... | node bench/report/report.mjs --out DIR -
//
// Each input is one run (its summary line names the protocol, which labels
// the run; otherwise the file's name does). A generator count appears in
// several rows (a fixed run, or a ramp's plateau): the charts and the table
// show the median over those rows of each row's percentile (and CPU, and of
// the generators ready, i.e. done opening their accounts), the
// largest max and RSS, and the sum of transfers and errors. Rows without
// transfers (the accounts being opened) are left out of the latency medians.
// No dependencies: the SVG is written by hand.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const PROCS = [
  ['gateway', 'gateway'],
  ['handler', 'command-handler'],
  ['broker', 'embedded-kafka'],
  ['bank_load', 'bank-load'],
];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** Reads one input (a path, or - for stdin): {label, rows, summary}. */
export function readRun(file) {
  const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  const rows = [];
  let summary = null;
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const o = JSON.parse(line);
    if (o.type === 'row') rows.push(o);
    else if (o.type === 'summary') summary = o;
  }
  const label = summary?.protocol ?? (file === '-' ? 'stdin' : path.basename(file).replace(/\.[^.]*$/, ''));
  return { label, rows, summary };
}

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const maxOf = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : null;
};

/** One point per generator count, ascending, with the aggregates above. */
export function aggregate(rows) {
  const by = new Map();
  for (const r of rows) {
    if (!by.has(r.generators)) by.set(r.generators, []);
    by.get(r.generators).push(r);
  }
  return [...by.keys()]
    .sort((a, b) => a - b)
    .map((g) => {
      const rs = by.get(g);
      const busy = rs.filter((r) => r.transfers > 0);
      const p = { generators: g, rows: rs.length };
      p.ready = median(rs.map((r) => r.ready));
      p.transfers_per_s = median(rs.map((r) => r.transfers_per_s));
      for (const k of ['p50_ms', 'p90_ms', 'p99_ms']) p[k] = median(busy.map((r) => r[k]));
      p.max_ms = maxOf(busy.map((r) => r.max_ms));
      p.errors = rs.reduce((n, r) => n + (r.error_count ?? 0), 0);
      for (const [key] of PROCS) {
        p[`${key}_cpu`] = median(rs.map((r) => r[key]?.cpu_pct));
        p[`${key}_rss`] = maxOf(rs.map((r) => r[key]?.rss_mb));
      }
      return p;
    });
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round numbers for an axis from lo to at least hi (about n of them). */
function ticks(lo, hi, n = 6) {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  const top = Math.ceil(hi / step - 1e-9) * step; /* the last tick is at or above hi */
  for (let v = Math.ceil(lo / step) * step; v <= top + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart: series [{name, color, dash, points: [[x, y]]}] (null y: a
 * gap), optional log y. Returns the SVG text.
 */
export function lineChart({ title, xLabel, yLabel, series, logY = false }) {
  const W = 760, H = 420, L = 70, R = 190, T = 40, B = 50;
  const pts = series.flatMap((s) => s.points.filter(([, y]) => y !== null && (!logY || y > 0)));
  const xs = pts.map(([x]) => x), ys = pts.map(([, y]) => y);
  let x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  let y0 = logY ? Math.min(...ys) : 0, y1 = Math.max(...ys, logY ? 1 : 1);
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, logY ? 0.1 : 0, 1];
  let yTicks;
  if (logY) {
    y0 = 10 ** Math.floor(Math.log10(y0));
    y1 = 10 ** Math.ceil(Math.log10(y1));
    if (y1 <= y0) y1 = y0 * 10;
    yTicks = [];
    for (let v = y0; v <= y1 * 1.0001; v *= 10) yTicks.push(Number(v.toPrecision(6)));
  } else {
    yTicks = ticks(0, y1 * 1.05);
    y1 = yTicks[yTicks.length - 1];
  }
  const xTicks = ticks(x0, x1);
  x1 = Math.max(x1, xTicks[xTicks.length - 1]);
  const sx = (x) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y) =>
    logY ? H - B - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - T - B) : H - B - (y / y1) * (H - T - B);
  const o = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (const t of yTicks) {
    o.push(`<line x1="${L}" x2="${W - R}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`);
    o.push(`<text x="${L - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) {
    o.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`);
    o.push(`<text x="${sx(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`);
  }
  o.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`);
  o.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`);
  o.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  o.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const segs = [];
    let cur = [];
    for (const [x, y] of s.points) {
      if (y === null || (logY && y <= 0)) {
        if (cur.length) segs.push(cur);
        cur = [];
      } else cur.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    if (cur.length) segs.push(cur);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    for (const seg of segs) {
      o.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${seg.join(' ')}"/>`);
      for (const p of seg) {
        const [cx, cy] = p.split(',');
        o.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
      }
    }
    const ly = T + 10 + i * 18;
    o.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    o.push(`<text x="${W - R + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}

const fmt = (v, d = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));

/** The Markdown report: one table row per run and generator count. */
export function markdown(runs) {
  const out = ['# bank-load report', ''];
  for (const r of runs) {
    const s = r.summary;
    if (s)
      out.push(
        `- **${r.label}**: ${s.generators} generators, ${s.seconds} s, ${s.transfers} transfers (${fmt(s.transfers_per_s)}/s), ` +
          `p50 ${fmt(s.p50_ms, 2)} ms, p99 ${fmt(s.p99_ms, 2)} ms, ${s.error_count} errors, balances checked ${s.balances?.checked}, ` +
          `stopped by ${s.stop_reason}${s.ok ? '' : ' — NOT OK'}`,
      );
  }
  out.push('', '![latency](latency.svg) ![cpu](cpu.svg) ![rss](rss.svg)', '');
  out.push('| run | generators | ready | rows | transfers/s | p50 ms | p90 ms | p99 ms | max ms | errors | gateway CPU % | handler CPU % | broker CPU % | bank-load CPU % | gateway RSS MB | handler RSS MB | broker RSS MB |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs)
    for (const p of aggregate(r.rows))
      out.push(
        `| ${r.label} | ${p.generators} | ${fmt(p.ready, 0)} | ${p.rows} | ${fmt(p.transfers_per_s)} | ${fmt(p.p50_ms, 2)} | ${fmt(p.p90_ms, 2)} | ${fmt(p.p99_ms, 2)} | ${fmt(p.max_ms, 2)} | ${p.errors} | ` +
          `${fmt(p.gateway_cpu)} | ${fmt(p.handler_cpu)} | ${fmt(p.broker_cpu)} | ${fmt(p.bank_load_cpu)} | ${fmt(p.gateway_rss)} | ${fmt(p.handler_rss)} | ${fmt(p.broker_rss)} |`,
      );
  return out.join('\n') + '\n';
}

/** Writes latency.svg, cpu.svg, rss.svg and report.md for `runs` into dir. */
export function writeReport(runs, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const agg = runs.map((r) => ({ label: r.label, points: aggregate(r.rows) }));
  const many = runs.length > 1;
  const name = (run, what) => (many ? `${run} ${what}` : what);
  const lat = [];
  agg.forEach((a, i) =>
    [['p50_ms', ''], ['p90_ms', '6 3'], ['p99_ms', '2 3']].forEach(([k, dash], j) =>
      lat.push({ name: name(a.label, k.replace('_ms', '')), color: COLORS[(many ? i : j) % COLORS.length], dash: many ? dash : '', points: a.points.map((p) => [p.generators, p[k]]) }),
    ),
  );
  fs.writeFileSync(path.join(dir, 'latency.svg'), lineChart({ title: 'Transfer latency against generators', xLabel: 'generators', yLabel: 'ms (log scale)', series: lat, logY: true }));
  for (const [file, suffix, title, yLabel] of [
    ['cpu.svg', 'cpu', 'CPU against generators', '% of one core'],
    ['rss.svg', 'rss', 'Resident memory against generators', 'MB'],
  ]) {
    const series = [];
    agg.forEach((a, i) =>
      PROCS.forEach(([key, proc], j) => {
        const points = a.points.map((p) => [p.generators, p[`${key}_${suffix}`]]);
        if (points.some(([, y]) => y !== null))
          series.push({ name: name(a.label, proc), color: COLORS[j % COLORS.length], dash: ['', '6 3', '2 3'][i % 3], points });
      }),
    );
    fs.writeFileSync(path.join(dir, file), lineChart({ title, xLabel: 'generators', yLabel, series }));
  }
  fs.writeFileSync(path.join(dir, 'report.md'), markdown(runs));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string', default: 'bank-load-report' } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('usage: node bench/report/report.mjs [--out DIR] RUN.jsonl... (- for stdin)\n');
    process.exit(2);
  }
  const runs = positionals.map(readRun);
  writeReport(runs, values.out);
  process.stderr.write(`wrote ${values.out}/latency.svg, cpu.svg, rss.svg, report.md\n`);
}
