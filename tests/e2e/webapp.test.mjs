// webapp.test.mjs — the bank's web app (static/index.html, static/app/) in
// Debian's headless chromium, driven by playwright-core, against the real
// stack: embedded-kafka, command-handler and two gateways (the page's, on a
// fixed port so it can be restarted under the open page, and a second one
// that keeps the bank running meanwhile).
//
// Covers: register, wrong password, the session across a reload; deposits
// (transaction and balance appear live); transfers to the bank's own account,
// to another bank and beyond the limit; a retry after a lost answer reuses
// the uuid; the employee view (the new account, sorting, filtering, the live
// feed's filters); a gateway restart under the open page (the list recovers
// with every id once); screenshots at 390×844 and 1366×768 in $ARTIFACTS_DIR;
// no console errors, nothing fetched from outside the gateway.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { baseConfig, startGatewayProcess, writeTemp } from '../lib/stack.mjs';
import {
  ALL_TX,
  COMPANY,
  TOPOLOGY,
  gql,
  startBroker,
  startGateway,
  startHandler,
  stop,
  transfer,
  until,
  waitReady,
} from './bank-lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'gateway-artifacts');
const OTHER_BANK = 'NL91ABNA0417164300'; // a valid IBAN this bank does not hold

/** The page's gateway config: the broker, and `port` (0 the first time, the same one after a restart). */
function gatewayConfig(bootstrap, port) {
  const kafka = `kafka:
  enabled: true
  brokers: "${bootstrap}"
  topology: "${TOPOLOGY}"
  fetch_wait_ms: 1
  command_timeout_ms: 5000
`;
  return writeTemp(baseConfig('  shutdown_timeout_ms: 2000', kafka).replace('port: 0', `port: ${port}`), { prefix: 'gw-webapp-' });
}

async function startPageGateway(bootstrap, port) {
  const gw = await startGatewayProcess(gatewayConfig(bootstrap, port), { unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY'] });
  await waitReady(gw);
  return gw;
}

/** The ids of `iban`'s transactions as the gateway holds them, newest first. */
async function serverIds(gw, iban) {
  const r = await gql(gw, ALL_TX, { iban, max: 1000 });
  return r.data.transactions_by_iban.map((t) => t.id);
}

describe('the web app', { skip: !fs.existsSync(CHROMIUM) && 'no chromium' }, () => {
  let broker, handler, gw, other, browser, context, page, port;
  // what the browser did that the last test checks
  const outside = [];
  const pageErrors = [];
  const consoleErrors = []; // {phase, text}
  let phase = 'normal'; // 'outage' while the page's gateway is down, 'lost-answer' while we drop a response

  before(async () => {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startPageGateway(broker.bootstrap, 0);
    port = gw.port;
    other = await startGateway(broker.bootstrap);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    context.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(gw.url) && !u.startsWith(`ws://127.0.0.1:${port}/`) && !u.startsWith('data:')) outside.push(u);
    });
    context.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push({ phase, text: m.text() });
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('websocket', (ws) => {
      if (!ws.url().startsWith(`ws://127.0.0.1:${port}/`)) outside.push(ws.url());
    });
  });

  after(async () => {
    await browser?.close();
    const codes = await Promise.all([gw, other].map((g) => g?.stop()));
    await stop(handler);
    await stop(broker.proc);
    for (const r of codes) assert.equal(r?.code, 0, r?.logs);
  });

  const username = `web-${randomUUID().slice(0, 8)}`;
  const password = 'correct horse';
  let iban;

  /** The ids the page lists, in its order (newest first). */
  const pageIds = () => page.locator('ol.txs > li').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  const balance = () => page.locator('#balance');

  test('register, then a wrong password is refused; the session survives a reload', async () => {
    await page.goto(`${gw.url}/`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#iban').waitFor();
    iban = await page.locator('#iban').innerText();
    assert.match(iban, /^NL\d\dOPEN\d{10}$/);
    assert.match(await page.locator('#token').innerText(), /^\d{20}$/);
    assert.equal(await balance().innerText(), '€0,00');

    await page.reload();
    assert.equal(await page.locator('#iban').innerText(), iban, 'still logged in after a reload');
    assert.doesNotMatch(page.url(), /token|password|\d{20}/);
    const stored = await page.evaluate(() => sessionStorage.getItem('openbank.session'));
    assert.doesNotMatch(stored, new RegExp(password), 'the password is not kept');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Log in failed: incorrect password').waitFor();
    assert.equal(await page.locator('#iban').count(), 0);

    await page.getByLabel('Password').fill(password);
    await page.keyboard.press('Enter');
    await page.locator('#iban').waitFor();
    assert.equal(await page.locator('#iban').innerText(), iban);

    // keyboard: focus lands on the heading, Tab walks the controls in reading order
    assert.equal(await page.evaluate(() => document.activeElement.id), 'account-title');
    const order = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const e = document.activeElement;
          return e.labels?.[0]?.textContent ?? e.textContent;
        }),
      );
    }
    assert.deepEqual(order, ['Log out', 'Deposit €10', 'Deposit €20', 'Deposit €50', 'Deposit €100', 'Deposit €200',
      'Amount', 'To', 'Description', 'Transfer']);
  });

  test('deposits: the transaction and the new balance appear live', async () => {
    await page.getByRole('button', { name: 'Deposit €50' }).click();
    await page.getByText('€50 deposited.').waitFor();
    await page.locator('ol.txs > li', { hasText: '+€50,00' }).waitFor();
    await until(async () => (await balance().innerText()) === '€50,00', 'balance €50,00');
    await page.getByRole('button', { name: 'Deposit €10', exact: true }).click();
    await until(async () => (await balance().innerText()) === '€60,00', 'balance €60,00');
    const first = page.locator('ol.txs > li').first();
    assert.match(await first.innerText(), /Cash deposit[\s\S]*from cash[\s\S]*\+€10,00[\s\S]*balance €60,00/);
    assert.deepEqual(await pageIds(), await serverIds(gw, iban));
  });

  test('transfers: to the bank, to another bank, refused for insufficient funds, a typo caught', async () => {
    const amount = page.getByLabel('Amount');
    const to = page.getByLabel('To', { exact: true });
    const descr = page.getByLabel('Description');
    const result = page.locator('#transfer-result');
    const send = page.getByRole('button', { name: 'Transfer', exact: true });

    await amount.fill('12,50');
    await to.fill('nl66 open 0000 0000 00');
    await descr.fill('rent');
    await send.click();
    await until(async () => /Transferred €12,50 to NL66OPEN0000000000/.test(await result.innerText()), 'transfer done');
    await until(async () => (await balance().innerText()) === '€47,50', 'balance €47,50');
    assert.match(await page.locator('ol.txs > li').first().innerText(), /rent[\s\S]*to NL66OPEN0000000000[\s\S]*−€12,50/);

    await amount.fill('1.5');
    await to.fill(OTHER_BANK);
    await descr.fill('abroad');
    await send.click();
    await until(async () => /Transferred €1,50/.test(await result.innerText()), 'transfer to another bank');
    await until(async () => (await balance().innerText()) === '€46,00', 'balance €46,00');

    await amount.fill('1000');
    await to.fill(COMPANY);
    await descr.fill('too much');
    await send.click();
    await until(async () => /Transfer refused: insufficient funds/.test(await result.innerText()), 'insufficient funds');
    assert.equal(await balance().innerText(), '€46,00');

    const before = await serverIds(gw, iban);
    await amount.fill('1');
    await to.fill('NL91ABNA0417164301');
    await send.click();
    await page.getByText('This is not a valid IBAN').waitFor();
    assert.equal(await to.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await serverIds(gw, iban), before, 'nothing was sent');
  });

  test('one transfer per submit: a double submit sends once, a retry after a lost answer reuses the uuid', async () => {
    const sent = [];
    const onRequest = (r) => {
      if (r.url().endsWith('/graphql') && r.method() === 'POST' && /money_transfer/.test(r.postData() ?? '')) {
        sent.push(JSON.parse(r.postData()).variables);
      }
    };
    page.on('request', onRequest);
    await page.getByLabel('Amount').fill('2');
    await page.getByLabel('To', { exact: true }).fill(COMPANY);
    await page.getByLabel('Description').fill('twice?');
    // two submits in the same moment
    await page.locator('form:has(#transfer-result)').evaluate((f) => {
      f.requestSubmit();
      f.requestSubmit();
    });
    await until(async () => /Transferred €2,00/.test(await page.locator('#transfer-result').innerText()), 'transfer done');
    assert.equal(sent.length, 1, 'one request for two submits');

    // the answer to the next one is lost on the way back: the transfer happened, the page does not know
    phase = 'lost-answer';
    await page.route('**/graphql', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    }, { times: 1 });
    await page.getByLabel('Amount').fill('3');
    await page.getByLabel('To', { exact: true }).fill(COMPANY);
    await page.getByLabel('Description').fill('lost answer');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await until(async () => /Transfer not confirmed/.test(await page.locator('#transfer-result').innerText()), 'lost answer');
    phase = 'normal';
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await until(async () => /Transferred €3,00/.test(await page.locator('#transfer-result').innerText()), 'retry answered');
    page.off('request', onRequest);
    assert.equal(sent.length, 3);
    assert.equal(sent[1].uuid, sent[2].uuid, 'the retry reuses the uuid');
    await until(async () => (await balance().innerText()) === '€41,00', 'balance €41,00 (46 − 2 − 3, once each)');
    const rows = (await gql(gw, ALL_TX, { iban, max: 100 })).data.transactions_by_iban;
    assert.equal(rows.filter((t) => t.descr === 'lost answer').length, 1);
    assert.equal(rows.filter((t) => t.descr === 'twice?').length, 1);
  });

  test('the employee view lists the new account, sorts, filters, and filters its live feed', async () => {
    const staff = await context.newPage();
    staff.on('pageerror', (e) => pageErrors.push(String(e)));
    await staff.goto(`${gw.url}/#/employee`);
    const row = staff.locator(`tr[data-iban="${iban}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /€41,00/);

    await staff.getByLabel('Filter by IBAN').fill(iban.slice(-6));
    await until(async () => (await staff.locator('tbody tr').count()) === 1, 'filtered to one row');
    assert.match(await staff.locator('.count').innerText(), /^1 of \d+ accounts$/);
    await staff.getByLabel('Filter by IBAN').fill('');

    await staff.getByRole('button', { name: 'Balance' }).click();
    assert.equal(await staff.locator('th:has(button[data-key="balance"])').getAttribute('aria-sort'), 'descending');
    const balances = await staff.locator('tbody td.num').allInnerTexts();
    const cents = balances.map((b) => Number(b.replace(/[€.]/g, '').replace(',', '.')));
    assert.deepEqual(cents, [...cents].sort((a, b) => b - a));

    // feed: credits of at least €40 only
    await staff.getByLabel('Minimum amount (€)').fill('40');
    await staff.getByLabel('Direction').selectOption('CREDIT');
    await staff.getByRole('button', { name: 'Apply filters' }).click();
    // the feed resumes from before the page's latest id, so these arrive however fast they come
    for (const [amount, descr] of [[500, 'small'], [7700, 'big']]) {
      const r = await transfer(other, { uuid: randomUUID(), token: 'x', amount, from: 'cash', to: iban, descr });
      assert.equal(r.data.money_transfer.success, true);
    }
    await staff.locator('ol.feed > li', { hasText: 'big' }).waitFor();
    const feed = await staff.locator('ol.feed > li').allInnerTexts();
    assert.ok(feed.every((t) => !/small/.test(t)), 'below the minimum: not shown');
    assert.ok(feed.every((t) => /\+€/.test(t)), 'credits only');
    await until(async () => /€123,00/.test(await row.innerText()), 'the table follows live (41 + 5 + 77)');

    for (const [w, hgt] of [[390, 844], [1366, 768]]) {
      await staff.setViewportSize({ width: w, height: hgt });
      await staff.screenshot({ path: path.join(ARTIFACTS_DIR, `webapp-employee-${w}x${hgt}.png`), animations: 'disabled' });
    }
    await staff.close();
  });

  test('restarting the gateway under the open page: it reconnects and shows every id once', async () => {
    const status = () => page.locator('#connection').getAttribute('data-status');
    await until(async () => (await status()) === 'open', 'live');
    assert.equal(await page.locator('#connection').innerText(), 'Live');
    await until(async () => (await balance().innerText()) === '€123,00', 'balance €123,00');
    phase = 'outage';
    const r = await gw.stop();
    assert.equal(r.code, 0, r.logs);
    await until(async () => /Connection lost/.test(await page.locator('#connection').innerText()), 'indicator shows the loss');
    // the bank goes on through the other gateway while the page's is down
    for (let i = 1; i <= 3; i++) {
      const t = await transfer(other, { uuid: randomUUID(), token: 'x', amount: 100 * i, from: 'cash', to: iban, descr: `while down ${i}` });
      assert.equal(t.data.money_transfer.success, true);
    }
    gw = await startPageGateway(broker.bootstrap, port);
    for (let i = 1; i <= 2; i++) {
      const t = await transfer(gw, { uuid: randomUUID(), token: 'x', amount: 1000 * i, from: 'cash', to: iban, descr: `after restart ${i}` });
      assert.equal(t.data.money_transfer.success, true);
    }
    const expected = await until(async () => {
      const rows = (await gql(gw, ALL_TX, { iban, max: 1000 })).data.transactions_by_iban;
      return rows[0]?.descr === 'after restart 2' && rows.map((t) => t.id);
    }, 'the server has every transaction');
    await until(async () => (await status()) === 'open', 'reconnected', 20000);
    phase = 'normal';
    await until(async () => (await pageIds()).length >= expected.length, 'the page caught up', 10000);
    await page.waitForTimeout(300); // nothing more (a repeat) may follow
    const ids = await pageIds();
    assert.deepEqual(ids, expected, 'every id once, newest first, no gap');
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(await balance().innerText(), '€159,00'); // 123 + 1 + 2 + 3 + 10 + 20
  });

  test('screenshots at phone and desktop widths; no console errors, nothing from outside', async () => {
    for (const [w, hgt] of [[390, 844], [1366, 768]]) {
      await page.setViewportSize({ width: w, height: hgt });
      const shot = path.join(ARTIFACTS_DIR, `webapp-account-${w}x${hgt}.png`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: shot, fullPage: w < 600, animations: 'disabled' });
      assert.ok(fs.statSync(shot).size > 10000);
    }
    const login = await context.newPage();
    await login.setViewportSize({ width: 390, height: 844 });
    await login.goto(`${gw.url}/`);
    await login.evaluate(() => sessionStorage.clear());
    await login.reload();
    await login.getByLabel('Username').waitFor();
    await login.screenshot({ path: path.join(ARTIFACTS_DIR, 'webapp-login-390x844.png') });
    await login.close();

    assert.deepEqual(outside, [], 'everything is served by the gateway');
    assert.deepEqual(pageErrors, []);
    const unexpected = consoleErrors.filter(
      ({ phase: p, text }) =>
        !(p === 'outage' && /WebSocket connection to '.*' failed|ERR_CONNECTION_REFUSED/.test(text)) &&
        !(p === 'lost-answer' && /Failed to load resource|ERR_CONNECTION_RESET/.test(text)),
    );
    assert.deepEqual(unexpected, [], 'no console errors but the deliberate outages');
    console.log(`# browser network errors during the deliberate outages: ${consoleErrors.length - unexpected.length}`);
  });
});
