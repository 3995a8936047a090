// tests/integration/graphiql.test.mjs — GraphiQL in a real browser: Debian's
// chromium, headless, driven by playwright-core. Opens /graphiql, runs the
// preloaded query, checks the result pane shows the data, that nothing was
// fetched from outside the gateway, that the console shows no error (such as a
// 404 for /favicon.ico), and saves a screenshot to
// $ARTIFACTS_DIR/graphiql.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { ARTIFACTS_DIR, startGateway } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';
let gw;
let browser;

before(async () => {
  gw = await startGateway({ args: ['--bench'] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
});

test('GraphiQL runs the preloaded bank query and shows the data', { skip: !fs.existsSync(CHROMIUM) && 'no chromium' }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const outside = [];
  const errors = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(gw.url) && !u.startsWith('data:')) outside.push(u);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`)); // a missing /favicon.ico shows here
  await page.goto(`${gw.url}/graphiql`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  await page.waitForSelector('.graphiql-execute-button', { timeout: 20000 });
  // the first tab is the example query over all_last_transactions
  const editor = await page.locator('.graphiql-query-editor').innerText();
  assert.match(editor, /all_last_transactions/);

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${gw.url}/graphql` && r.request().method() === 'POST'),
    page.click('.graphiql-execute-button'),
  ]);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.querySelector('.result-window')?.innerText.includes('NL12OPEN0000000008'), null, { timeout: 20000 });
  const result = await page.locator('.result-window').innerText();
  assert.match(result, /"all_last_transactions"/);
  assert.match(result, /"new_balance": "€808,00"/); // the first IBAN in order

  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const shot = path.join(ARTIFACTS_DIR, 'graphiql.png');
  await page.screenshot({ path: shot });
  assert.ok(fs.statSync(shot).size > 10000);
  assert.deepEqual(outside, [], 'everything is served by the gateway');
  assert.deepEqual(errors, []);
  await page.close();
});
