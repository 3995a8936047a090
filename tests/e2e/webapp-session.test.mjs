// webapp-session.test.mjs — the bank's web app (static/) unchanged, in
// Debian's headless chromium (playwright-core), against a gateway with
// auth.mode: session and a command handler in session mode. The page signs
// in with get_account; the gateway's HttpOnly cookie then authorises its
// fetches (credentials: 'same-origin') and its WebSocket (the upgrade carries
// the cookie): the account's transactions, the live stream, transfers. Cash
// deposits and the employee view need a username in auth.employees; a
// customer's deposit is refused.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { COMPANY, startBroker, startGateway, startHandler, stop, until } from './bank-lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
process.env.GATEWAY_SESSION_SECRET = `webapp-${randomUUID()}-${randomUUID()}`;
process.env.BANK_AUTH_MODE = 'session';
process.env.BANK_COMPANY_TOKEN = '52038174659201837465';

const tag = randomUUID().slice(0, 8);
const EMPLOYEE = `teller-${tag}`;

describe('the web app in session mode', { skip: !fs.existsSync(CHROMIUM) && 'no chromium' }, () => {
  let broker, handler, gw, browser, context, page;
  const pageErrors = [];

  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startGateway(broker.bootstrap, { extra: `auth:\n  mode: session\n  employees: ["${EMPLOYEE}"]\n` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
    if (handler) await stop(handler);
    if (broker) await stop(broker.proc);
  });

  const balance = () => page.locator('#balance');
  async function login(username) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#iban').waitFor();
    return page.locator('#iban').innerText();
  }

  test('an employee signs in: HttpOnly cookie, deposit and transfer shown live, the employee view', async () => {
    await page.goto(`${gw.url}/`);
    const iban = await login(EMPLOYEE);
    const cookie = (await context.cookies()).find((c) => c.name === 'gw_session');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('gw_session')), false, 'not readable by scripts');

    await page.getByRole('button', { name: 'Deposit €50' }).click();
    await page.getByText('€50 deposited.').waitFor();
    await page.locator('ol.txs > li', { hasText: '+€50,00' }).waitFor(); // over the cookie-authorised WebSocket
    await until(async () => (await balance().innerText()) === '€50,00', 'balance €50,00');

    await page.getByLabel('Amount').fill('12,50');
    await page.getByLabel('To', { exact: true }).fill(COMPANY);
    await page.getByLabel('Description').fill('rent');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await until(async () => /Transferred €12,50/.test(await page.locator('#transfer-result').innerText()), 'transfer');
    await until(async () => (await balance().innerText()) === '€37,50', 'balance €37,50');

    await page.goto(`${gw.url}/#/employee`);
    await page.locator('#accounts-table').getByText(iban).waitFor();
  });

  test("a customer signs in; a customer's cash deposit is refused", async () => {
    await page.goto(`${gw.url}/#/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    const iban = await login(`cust-${tag}`);
    assert.match(iban, /^NL\d\dOPEN\d{10}$/);
    assert.equal(await balance().innerText(), '€0,00');
    await page.getByRole('button', { name: 'Deposit €10', exact: true }).click();
    await page.getByText(/forbidden: cash deposits and the company account need the employee role/).waitFor();
    assert.equal(await balance().innerText(), '€0,00');
    assert.deepEqual(pageErrors, []);
  });
});
