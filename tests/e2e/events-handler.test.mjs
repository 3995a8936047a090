// events-handler.test.mjs — the command handler end to end on the original
// topology, 1 broker: every rule's outcome, a garbage message, repeated ids,
// restarts with and without a snapshot (nothing applied twice), and the refusal
// to start on a snapshot a new broker does not have (events-scenarios.mjs).
import path from 'node:path';
import { test } from 'node:test';

import { SOURCE_DIR } from './events-lib.mjs';
import { scenario } from './events-scenarios.mjs';

test('original topology, 1 broker', { timeout: 60000 }, () => scenario(path.join(SOURCE_DIR, 'schema/topology.yaml'), 1));

