// events-merged.test.mjs — the same scenario as events-handler.test.mjs on the
// merged topology (several record types per topic, username keys) and a
// 3-broker mock cluster.
import path from 'node:path';
import { test } from 'node:test';

import { SOURCE_DIR } from './events-lib.mjs';
import { scenario } from './events-scenarios.mjs';

test('merged topology, 3 brokers', { timeout: 60000 }, () => scenario(path.join(SOURCE_DIR, 'schema/topology-merged.yaml'), 3));
