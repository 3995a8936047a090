// faults-gateway-kill.test.mjs — one gateway SIGKILLed mid-stream and restarted,
// three times, while a second gateway runs throughout: the clients of the dead one
// re-send what they never got an answer for (same uuid) and the money rules hold
// (faults-lib.mjs); the restarted gateway's projections equal the handler's.
import { test } from 'node:test';

import { startGateway } from './bank-lib.mjs';
import { runCase } from './faults-lib.mjs';
import { sleep } from '../lib/stack.mjs';

test('gateway SIGKILLed mid-stream and restarted, a second gateway throughout', { timeout: 300000 }, () =>
  runCase('gateway kills', {
    inject: async (s) => {
      for (let k = 0; k < 3; k++) {
        await sleep(1500 + Math.floor(Math.random() * 1500));
        await s.gws[0].stop('SIGKILL');
        await sleep(300);
        s.gws[0] = await startGateway(s.k.bootstrap, { topology: s.topology, timeoutMs: 20000 });
      }
      await sleep(1500);
      return '3 gateway SIGKILLs';
    },
  }));
