// events-crash.test.mjs — SIGKILL of the command handler in the middle of a
// burst of transfers: after the restart every transfer is answered once and
// moved money once (events-scenarios.mjs).
import path from 'node:path';
import { test } from 'node:test';

import { SOURCE_DIR } from './events-lib.mjs';
import { killScenario } from './events-scenarios.mjs';

test('SIGKILL during a burst: nothing applied twice', { timeout: 60000 }, () => killScenario(path.join(SOURCE_DIR, 'schema/topology.yaml')));

