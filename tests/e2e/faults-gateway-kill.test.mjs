// faults-gateway-kill.test.mjs — one gateway SIGKILLed mid-stream and restarted,
// three times, while a second gateway runs throughout: the clients of the dead one
// re-send what they never got an answer for (same uuid) and the money rules hold
// (faults-lib.mjs); the restarted gateway's projections equal the handler's.
// The killed gateway keeps projection checkpoints (every 300 ms): each restart
// starts from the newest one and replays only the rest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { metrics, startGateway } from './bank-lib.mjs';
import { runCase } from './faults-lib.mjs';
import { sleep } from '../lib/stack.mjs';

test('gateway SIGKILLed mid-stream and restarted (from its checkpoints), a second gateway throughout', { timeout: 300000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-ckpt-'));
  const extra = `  checkpoint_dir: "${dir}"\n  checkpoint_interval_ms: 300\n`;
  const loaded = [];
  try {
    await runCase('gateway kills', {
      stack: { firstGatewayExtra: extra },
      inject: async (s) => {
        for (let k = 0; k < 3; k++) {
          await sleep(1500 + Math.floor(Math.random() * 1500));
          await s.gws[0].stop('SIGKILL');
          await sleep(300);
          s.gws[0] = await startGateway(s.k.bootstrap, { topology: s.topology, timeoutMs: 20000, extra });
          loaded.push((await metrics(s.gws[0])).gateway_checkpoint_loaded_transactions);
        }
        await sleep(1500);
        return `3 gateway SIGKILLs (restarts loaded ${loaded.join(', ')} transactions from checkpoints)`;
      },
    });
    assert.ok(loaded.every((n) => n > 0), `every restart started from a checkpoint: ${loaded}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
