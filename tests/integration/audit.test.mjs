// tests/integration/audit.test.mjs — the GraphQL-over-HTTP audit of npm
// graphql-http (serverAudits) against the live gateway: every MUST and
// every SHOULD must be ok; MAYs are reported and, as far as the gateway
// implements them, expected ok too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serverAudits } from 'graphql-http';

import { startGateway } from './helpers.mjs';

let gw;
before(async () => {
  gw = await startGateway();
});
after(async () => {
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
});

test('graphql-http server audits', async (t) => {
  const audits = serverAudits({ url: () => `${gw.url}/graphql` });
  assert.ok(audits.length > 50, 'the audit list is complete');
  const results = [];
  for (const audit of audits) {
    const r = await audit.fn();
    results.push(r);
    const level = audit.name.split(' ')[0];
    await t.test(`${audit.id} ${audit.name}`, () => {
      if (r.status !== 'ok') {
        const detail = r.response ? `status ${r.response.status}` : '';
        assert.fail(`${level} audit ${audit.id} failed: ${r.reason} ${detail}`);
      }
    });
  }
  const count = (lvl) => results.filter((r) => r.name.startsWith(lvl)).length;
  const ok = (lvl) => results.filter((r) => r.name.startsWith(lvl) && r.status === 'ok').length;
  t.diagnostic(`MUST ${ok('MUST')}/${count('MUST')}, SHOULD ${ok('SHOULD')}/${count('SHOULD')}, MAY ${ok('MAY')}/${count('MAY')}`);
});
