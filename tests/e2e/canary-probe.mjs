// canary-probe.mjs — the canary of hostile-canary.test.mjs, run as its own
// process (`node canary-probe.mjs URL BODY EXPECT [INTERVAL_MS]`) so that its
// timings do not share an event loop with the attack load the test makes.
//
// Over ONE keep-alive HTTP connection it POSTs BODY (a GraphQL request as
// JSON) to URL every INTERVAL_MS (50 by default; a request slower than that
// delays the next, it never overlaps it) and prints one line per request:
//   <start, epoch ms> <latency ms, 3 decimals> <1 ok | 0 failed> [reason]
// A request is ok when the status is 200 and the body contains EXPECT; it
// fails after 5 s without an answer. It runs until stdin closes or it is
// killed.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, body, expect, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg ?? 50);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const target = new URL(url);
const payload = Buffer.from(body);

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const start = Date.now();
    const done = (ok, why = '') => resolve({ start, ms: performance.now() - t0, ok, why });
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        timeout: 5000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) done(false, `status ${res.statusCode}`);
          else if (!text.includes(expect)) done(false, `body ${text.slice(0, 120)}`);
          else done(true);
        });
        res.on('error', (e) => done(false, e.code ?? e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(false, e.code ?? e.message));
    req.end(payload);
  });
}

let stopped = false;
process.stdin.on('close', () => (stopped = true));
process.stdin.resume();
for (let next = performance.now(); !stopped; ) {
  const r = await once();
  process.stdout.write(`${r.start} ${r.ms.toFixed(3)} ${r.ok ? 1 : 0}${r.why ? ` ${r.why.replace(/\s+/g, ' ')}` : ''}\n`);
  next += interval;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  else next = performance.now();
}
agent.destroy();
