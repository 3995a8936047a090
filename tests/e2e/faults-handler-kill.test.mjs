// faults-handler-kill.test.mjs — the command handler SIGKILLed at random moments
// (FAULTS_KILLS times, default 20) under a steady stream of transfers through two
// gateways, each time restarted from its state directory; then every unanswered
// transfer is sent again and the money rules are checked (faults-lib.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clientSummary, generators, note, resendUnanswered, startStack, verify } from './faults-lib.mjs';
import { sleep } from '../lib/stack.mjs';

const KILLS = Number(process.env.FAULTS_KILLS ?? 20);
const GENERATORS = Number(process.env.FAULTS_GENERATORS ?? 24);
const BROKERS = Number(process.env.FAULTS_BROKERS ?? 3);

test(`command handler SIGKILLed ${KILLS} times under load: every transfer answered once, money conserved`, { timeout: 420000 }, async () => {
  const s = await startStack({ brokers: BROKERS });
  try {
    const g = generators(s, GENERATORS);
    await g.ready;
    await sleep(1000);
    const t0 = Date.now();
    for (let k = 0; k < KILLS; k++) {
      await sleep(800 + Math.floor(Math.random() * 2000));
      await s.killHandler();
      await s.restartHandler();
    }
    await sleep(1000);
    await g.stop();
    const during = clientSummary(g.records);
    const r = await resendUnanswered(s, g.records);
    const hs = s.handlerStarts();
    const v = await verify(s, g.records, g.accounts);
    note(`handler kills: ${KILLS} in ${((Date.now() - t0) / 1000).toFixed(1)} s; transfers ${v.transfers} (${v.successes} succeeded, ${v.failures} refused); ` +
      `answers during the faults ${during.answered}, errors ${during.errors}; unanswered then ${r.unanswered}, re-sent ${r.resent}; ` +
      `log events ${v.events}; half-done transfers completed from the log at restart ${hs.completedFromLog}`);
    assert.ok(v.transfers > 1000, 'a real stream of transfers ran');
  } catch (e) {
    console.error(`handler logs:\n${s.handlerLogs.slice(-4000)}\n${s.h.stderrText().slice(-4000)}`);
    throw e;
  } finally {
    await s.close();
  }
});
