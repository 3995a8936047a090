// bench/browser/run.mjs — how long the web app takes from a click on
// "Deposit €10" to the new balance on screen: the command over HTTP, the
// bank through Kafka, the BalanceChanged event back over the page's
// WebSocket stream, the DOM update and the next frame.
//
//   node bench/browser/run.mjs [--bin build/bin] [--seconds 60] [--interval-ms 1000] [--load N]
//
// Starts embedded-kafka, the command handler and the gateway from --bin (use
// a Release or RelWithDebInfo build), opens the app in Debian's headless
// chromium (playwright-core), registers a new user, then clicks once per
// interval. Each sample is timed inside the page (performance.now()): from
// just before the click to the first animation frame after #balance shows
// the expected amount; one warm-up click first is not counted. Prints p50,
// p90, p99 and max in ms (BENCH_VERBOSE=1: every click). With --load N,
// build/bin/bank-load runs N generators (legacy protocol, the original load
// test) against the same gateway meanwhile; its summary line is printed too.
// A benchmark, not a test: it asserts nothing but that every balance arrives.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/bin' },
    seconds: { type: 'string', default: '60' },
    'interval-ms': { type: 'string', default: '1000' },
    load: { type: 'string', default: '0' },
  },
});
process.env.GW_BIN_DIR = path.resolve(opt.bin);
process.env.GATEWAY_BIN ??= path.join(process.env.GW_BIN_DIR, 'gateway');
const lib = await import('../../tests/e2e/bank-lib.mjs');

const seconds = Number(opt.seconds);
const interval = Number(opt['interval-ms']);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const broker = await lib.startBroker();
const handler = await lib.startHandler(broker.bootstrap);
const gw = await lib.startGateway(broker.bootstrap);
let load = null; // bank-load running meanwhile (--load N)
if (Number(opt.load) > 0) {
  load = spawn(path.join(process.env.GW_BIN_DIR, 'bank-load'), ['--url', gw.url, '--protocol', 'legacy',
    '--generators', opt.load, '--seconds', String(seconds + 40)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let rows = '';
  load.stdout.on('data', (d) => (rows += d));
  load.done = new Promise((r) => load.on('exit', () => r(rows.trim().split('\n'))));
  await lib.sleep(30000); // the generators open their accounts first
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`${gw.url}/`);
  await page.getByLabel('Username').fill(`bench-${Date.now()}`);
  await page.getByLabel('Password').fill('bench');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#iban').waitFor();
  await page.waitForFunction(() => document.querySelector('#connection')?.dataset.status === 'open');

  const samples = [];
  const n = Math.max(1, Math.round((seconds * 1000) / interval));
  let t0 = Date.now();
  // click 0 warms up: a fresh stack's first command takes about a second (the
  // producer's and the mock broker's first round), which is not the app's
  for (let i = 0; i <= n; i++) {
    const expected = lib.euro(1000 * (i + 1));
    const ms = await page.evaluate(
      (want) =>
        new Promise((resolve, reject) => {
          const el = document.querySelector('#balance');
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Deposit €10');
          const timer = setTimeout(() => reject(new Error(`no ${want} within 10 s (shows ${el.textContent})`)), 10000);
          const start = performance.now();
          const seen = new MutationObserver(() => {
            if (el.textContent !== want) return;
            seen.disconnect();
            clearTimeout(timer);
            requestAnimationFrame(() => resolve(performance.now() - start));
          });
          seen.observe(el, { childList: true, characterData: true, subtree: true });
          button.click();
        }),
      expected,
    );
    if (process.env.BENCH_VERBOSE) console.log(`click ${i}: ${ms.toFixed(1)} ms`);
    if (i === 0) {
      t0 = Date.now();
      continue;
    }
    samples.push(ms);
    const next = t0 + i * interval - Date.now();
    if (next > 0) await lib.sleep(next);
  }
  samples.sort((a, b) => a - b);
  const f = (x) => x.toFixed(1);
  console.log(`bench/browser: click "Deposit €10" → new balance on screen, ${samples.length} clicks, one per ${interval} ms`);
  console.log(`p50 ${f(pct(samples, 50))} ms  p90 ${f(pct(samples, 90))} ms  p99 ${f(pct(samples, 99))} ms  max ${f(samples.at(-1))} ms`);
  if (load) {
    load.kill('SIGINT');
    const rows = await load.done;
    console.log(`meanwhile bank-load --generators ${opt.load} (legacy): ${rows.at(-2) ?? ''}\n${rows.at(-1) ?? ''}`);
  }
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${opt.bin}`);
} finally {
  await browser.close();
  await gw.stop();
  await lib.stop(handler);
  await lib.stop(broker.proc);
}
