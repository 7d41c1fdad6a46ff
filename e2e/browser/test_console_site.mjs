// End-to-end test of hitd's requester console in headless Chromium
// (playwright-core driving Debian's /usr/bin/chromium), with workers in a
// second browser context and checks through the AWS SDK for JavaScript v3.
//
// Against a running server it: makes a requester of its own (`hitd
// requester create`, `hitd requester set-password`) and three workers
// (`hitd worker create`); signs in to /requester with the console password;
// creates a project with the form (the live preview follows the layout as it
// is typed); uploads a 500-row CSV (first a file with a missing column,
// whose error names the column); checks the draft's cost and first-row
// preview; publishes with the progress bar; has workers accept and submit
// HITs of the batch on the worker site; reviews in the console (filter,
// approve one, reject one with feedback, approve the rest shown); bonuses
// and blocks a worker from the workers page; downloads the results CSV and
// checks it against the SDK; and checks the ledger. Screenshots of every
// console page, phone-sized and laptop-sized, go to a temp directory whose
// paths are printed; each page is also checked for a horizontal scrollbar
// on the phone, for form controls without a label, and for being usable
// from the keyboard (the sign-in form is filled and sent with keys only).
//
// Usage: node test_console_site.mjs   (from e2e/run.sh)
// Environment: HITD_ENDPOINT, HITD_BIN and HITD_DATA_DIR (the CLI, on the
// running server's data), CHROMIUM (default /usr/bin/chromium),
// HITD_E2E_SHOTS (screenshot directory; default a new temp directory).
//
// Prints "PASS name" / "FAIL name: why" per step and "browser console: N
// passed, M failed" last; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Harness, assert, eq } from './harness.mjs';
import {
  GetAccountBalanceCommand, GetAssignmentCommand, ListBonusPaymentsCommand, ListHITsCommand, ListWorkerBlocksCommand,
} from '@aws-sdk/client-mturk';
import { listAssignments, mturkClient } from './sdk_cli.mjs';

const SITE = (process.env.HITD_ENDPOINT ?? '').replace(/\/$/, '');
if (!SITE) {
  console.error('HITD_ENDPOINT is not set');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const HITD_BIN = process.env.HITD_BIN ?? 'hitd';
const STORE = process.env.HITD_DATA_DIR ? ['--data-dir', process.env.HITD_DATA_DIR] : [];
const RUN = Math.random().toString(36).slice(2, 10);
const ROWS = 500;
const VIEWPORTS = { phone: { width: 390, height: 844 }, laptop: { width: 1366, height: 768 } };

// The project's layout: an MTurk-style HTML form posting to externalSubmit.
const LAYOUT = `<h2>How does this tweet feel?</h2>
<p class="tweet" id="tweet">\${text}</p>
<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId" value="">
  <input type="hidden" name="tweet_id" value="\${id}">
  <label>Sentiment <input id="sentiment" name="sentiment" required></label>
  <button id="go" type="submit">Submit</button>
</form>
<script>document.getElementById('assignmentId').value = new URLSearchParams(location.search).get('assignmentId') || '';</script>`;

// ------------------------------------------------------------------ harness

const h = new Harness();
const S = h.S;
const need = (...keys) => h.need(...keys);
const step = (name, fn) => h.step(name, fn);

let page; // the requester's tab
let shots;

function hitd(...args) {
  return execFileSync(HITD_BIN, [...args, ...STORE], { encoding: 'utf8', env: process.env });
}

function cents(text) {
  const m = String(text).replace(/[$,\s]/g, '').match(/^(-?)(\d+)\.(\d\d)$/);
  assert(m, `not an amount: ${JSON.stringify(text)}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

// Screenshots at both sizes; on the phone the page must not scroll
// sideways (wide tables scroll inside their own region).
async function shoot(name) {
  for (const [vp, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    const file = path.join(shots, `${name}-${vp}-${size.width}x${size.height}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`     screenshot: ${file}`);
    if (vp === 'phone') {
      const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert(scroll <= width + 1, `${name}: the page is ${scroll}px wide on a ${width}px phone screen`);
    }
  }
  await page.setViewportSize(VIEWPORTS.laptop);
}

// Every visible form control has a label (a <label>, aria-label or
// aria-labelledby), and every button has a name.
async function checkLabels(name) {
  const unlabelled = await page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
        || (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!named) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  });
  eq(unlabelled, [], `${name}: form controls without a label`);
}

async function visit(pathname, name) {
  await page.goto(`${SITE}${pathname}`);
  await checkLabels(name);
  await shoot(name);
}

// ------------------------------------------------------------------ main

async function main() {
  console.log(`console browser test against ${SITE} with ${CHROMIUM} (run ${RUN})`);
  shots = process.env.HITD_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-shots-'));
  h.shots = shots;
  fs.mkdirSync(shots, { recursive: true });
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-console-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const requester = await browser.newContext({ viewport: VIEWPORTS.laptop, acceptDownloads: true });
    page = await requester.newPage();
    h.page = page;
    page.setDefaultTimeout(20000);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const cspViolations = [];
    page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text()); });

    await step('a requester, a console password and three workers from the CLI', async () => {
      const out = hitd('requester', 'create', '--name', `Console lab ${RUN}`);
      S.key = out.match(/^AccessKeyId:\s*(\S+)/m)[1];
      S.secret = out.match(/^SecretAccessKey:\s*(\S+)/m)[1];
      S.password = `console-pw-${RUN}`;
      execFileSync(HITD_BIN, ['requester', 'set-password', '--access-key-id', S.key, ...STORE],
        { input: `${S.password}\n`, encoding: 'utf8' });
      S.sdk = mturkClient(S.key, S.secret);
      S.start = cents((await S.sdk.send(new GetAccountBalanceCommand({}))).AvailableBalance);
      S.workers = [];
      for (let i = 0; i < 3; i++) {
        const user = `cw${i}-${RUN}`;
        const wout = hitd('worker', 'create', '--username', user, '--password', `pw-${user}-secret`);
        S.workers.push({ user, password: `pw-${user}-secret`, id: wout.match(/\bA[A-Z0-9]{13}\b/)[0] });
      }
    });

    await step('sign in to /requester with the keyboard only', async () => {
      await page.goto(`${SITE}/requester`);
      await page.waitForURL(/\/requester\/login$/);
      await checkLabels('console-login');
      await shoot('console-login');
      await page.locator('#access_key_id').focus();
      await page.keyboard.type(S.key);
      await page.keyboard.press('Tab');
      eq(await page.evaluate(() => document.activeElement.id), 'secret', 'Tab from the access key ID moves to');
      await page.keyboard.type(S.password);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/requester$/);
      eq(cents(await page.locator('.balance').first().textContent()), S.start, 'dashboard balance');
      await checkLabels('console-dashboard');
      await shoot('console-dashboard');
    });

    await step('create a project; the live preview follows the layout as it is typed', async () => {
      await page.goto(`${SITE}/requester/projects`);
      await page.locator('#new-project').click();
      await page.waitForURL(/\/requester\/projects\/new$/);
      // A bad reward first: the form comes back with the message and what was typed.
      await page.locator('#name').fill(`Tweets ${RUN}`);
      await page.locator('#title').fill(`Tweet sentiment ${RUN}`);
      await page.locator('#description').fill('Say how a tweet feels, in one word.');
      await page.locator('#keywords').fill(`tweets, sentiment, ${RUN}`);
      await page.locator('#reward').fill('0.001');
      await page.locator('#max_assignments').fill('1');
      await page.locator('#html').fill(LAYOUT);
      await page.locator('#save-project').click();
      await page.locator('#project-error').waitFor();
      assert(/Reward/.test(await page.locator('#project-error').textContent()), 'the error does not name the Reward');
      eq(await page.locator('#title').inputValue(), `Tweet sentiment ${RUN}`, 'title kept after the error');
      await page.locator('#reward').fill('0.05');
      // The preview is a sandboxed frame without scripts; it shows the layout.
      const frame = page.locator('#layout-preview');
      eq(await frame.getAttribute('sandbox'), '', 'preview frame sandbox');
      await page.locator('#html').fill(LAYOUT.replace('How does this tweet feel?', `Live ${RUN}`));
      await page.waitForFunction((run) => (document.querySelector('#layout-preview')?.getAttribute('srcdoc') ?? '').includes(`Live ${run}`), RUN);
      await page.frameLocator('#layout-preview').locator('h2').filter({ hasText: `Live ${RUN}` }).waitFor();
      await page.locator('#html').fill(LAYOUT);
      await checkLabels('console-project-new');
      await page.locator('#save-project').click();
      await page.waitForURL(/\/requester\/projects\/[A-Z0-9]+/);
      S.project = page.url().match(/\/requester\/projects\/([A-Z0-9]+)/)[1];
      assert(/saved/i.test(await page.locator('.flash').textContent()), 'no "saved" message');
      await shoot('console-project');
    });

    await step('upload a CSV without the ${id} column: the error names it; then 500 rows make a draft', async () => {
      need('project');
      const bad = path.join(files, 'missing.csv');
      fs.writeFileSync(bad, 'text\nhello\n');
      await page.locator('#csv').setInputFiles(bad);
      await page.locator('#upload-button').click();
      await page.locator('#upload-error').waitFor();
      const msg = await page.locator('#upload-error').textContent();
      assert(/"id"/.test(msg), `the missing-column error does not name "id": ${msg}`);
      const lines = ['id,text'];
      for (let i = 1; i <= ROWS; i++) lines.push(`${i},"Tweet ${i} of ${RUN}, with ""quotes"" & <b>tags</b>"`);
      const good = path.join(files, 'tweets.csv');
      fs.writeFileSync(good, `${lines.join('\r\n')}\r\n`);
      await page.locator('#csv').setInputFiles(good);
      await page.locator('#upload-button').click();
      await page.waitForURL(/\/requester\/batches\/[A-Z0-9]+$/);
      S.batch = page.url().match(/\/requester\/batches\/([A-Z0-9]+)/)[1];
      eq((await page.locator('#batch-status').textContent()).trim(), 'Draft', 'batch status');
      eq((await page.locator('#batch-rows').textContent()).trim(), String(ROWS), 'rows');
      // 500 HITs × 1 assignment × (0.05 + 0.01 fee) = 30.00
      eq(cents(await page.locator('#batch-total').textContent()), 3000, 'cost');
      const srcdoc = await page.locator('#batch-preview').getAttribute('srcdoc');
      // The value is HTML-escaped into the layout, as on the HITs.
      assert(srcdoc.includes(`Tweet 1 of ${RUN}, with &#34;quotes&#34; &amp; &lt;b&gt;tags&lt;/b&gt;`), `first-row preview: ${srcdoc.slice(0, 300)}`);
      await page.frameLocator('#batch-preview').locator('#tweet').filter({ hasText: `Tweet 1 of ${RUN}, with "quotes" & <b>tags</b>` }).waitFor();
      eq(await page.locator('#batch-preview').getAttribute('sandbox'), '', 'draft preview sandbox');
      await checkLabels('console-batch-draft');
      await shoot('console-batch-draft');
    });

    await step('publish with the progress bar: 500 HITs, 30.00 reserved', async () => {
      need('batch');
      // console.js publishes with fetch and polls the progress endpoint.
      const polls = [];
      const onRequest = (r) => { if (r.url().includes(`/requester/batches/${S.batch}/publish-progress`)) polls.push(r.url()); };
      page.on('request', onRequest);
      await page.locator('#publish-button').click();
      await page.waitForURL(/msg=batchpublished/, { timeout: 120000 });
      page.off('request', onRequest);
      assert(polls.length > 0, 'the page never asked for the publishing progress');
      eq((await page.locator('#batch-status').textContent()).trim(), 'Published', 'batch status');
      eq(await page.locator('#count-hits').textContent(), String(ROWS), 'HITs');
      eq(cents((await S.sdk.send(new GetAccountBalanceCommand({}))).AvailableBalance), S.start - 3000, 'balance after publishing (SDK)');
      const hits = [];
      let NextToken;
      do {
        const out = await S.sdk.send(new ListHITsCommand({ MaxResults: 100, NextToken }));
        hits.push(...out.HITs);
        NextToken = out.HITs.length ? out.NextToken : undefined;
      } while (NextToken);
      eq(hits.length, ROWS, 'HITs listed by the SDK');
      S.hits = hits;
      await checkLabels('console-batch');
      await shoot('console-batch');
    });

    await step('three workers work HITs of the batch on the worker site', async () => {
      need('hits', 'workers');
      const wctx = await browser.newContext({ viewport: VIEWPORTS.laptop });
      const w = await wctx.newPage();
      w.setDefaultTimeout(20000);
      S.assignments = [];
      let h = 0;
      for (const [i, worker] of S.workers.entries()) {
        await wctx.clearCookies();
        await w.goto(`${SITE}/login`);
        await w.locator('input[name=username]').fill(worker.user);
        await w.locator('input[name=password]').fill(worker.password);
        await w.locator('form:has(input[name=username]) button[type=submit]').click();
        await w.waitForURL((u) => !u.pathname.startsWith('/login'));
        for (let k = 0; k < 2; k++, h++) {
          const hit = S.hits[h];
          await w.goto(`${SITE}/hits/${hit.HITId}`);
          await w.getByRole('button', { name: 'Accept', exact: true }).click();
          await w.waitForURL(/\/assignments\/[A-Z0-9]+/);
          const id = w.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
          const frame = w.frameLocator('iframe').first();
          await frame.locator('#tweet').waitFor();
          await frame.locator('#sentiment').fill(`feeling-${i}-${k}`);
          await frame.locator('#go').click();
          await frame.locator('h1').filter({ hasText: /Submitted/ }).waitFor();
          S.assignments.push({ id, worker: worker.id, hit: hit.HITId, answer: `feeling-${i}-${k}` });
        }
      }
      await wctx.close();
      eq(S.assignments.length, 6, 'assignments submitted');
      await page.goto(`${SITE}/requester/batches/${S.batch}`);
      eq(await page.locator('#count-submitted').textContent(), '6', 'submitted on the batch page');
    });

    await step('review: inputs and answers side by side; filter by worker; approve one, reject one, approve the rest', async () => {
      need('assignments');
      await page.goto(`${SITE}/requester/batches/${S.batch}/review`);
      const [a0, a1] = S.assignments;
      const row0 = page.locator(`#a-${a0.id}`);
      assert((await row0.locator('td.ans').allTextContents()).includes(a0.answer), 'answer not shown in its row');
      assert((await row0.locator('td.in').allTextContents()).some((t) => t.includes(`of ${RUN}, with "quotes" & <b>tags</b>`)),
        'input not shown (escaped) in its row');
      await checkLabels('console-review');
      await shoot('console-review');
      // Filter by the first worker: two rows.
      await page.locator('#review-worker').selectOption(a0.worker);
      await page.locator('#review-show').click();
      await page.waitForURL(/worker=/);
      eq(await page.locator('tr.review-row').count(), 2, 'rows of the first worker');
      await page.locator(`#pick-${a0.id}`).check();
      await page.locator('#approve-selected').click();
      await page.waitForURL(/msg=reviewed/);
      await page.goto(`${SITE}/requester/batches/${S.batch}/review`);
      await page.locator(`#pick-${a1.id}`).check();
      await page.locator('#review-feedback').fill('Please read the tweet.');
      await page.locator('#reject-selected').click();
      await page.waitForURL(/msg=reviewed/);
      const got = async (id) => (await S.sdk.send(new GetAssignmentCommand({ AssignmentId: id }))).Assignment;
      eq((await got(a0.id)).AssignmentStatus, 'Approved', 'first assignment (SDK)');
      const rej = await got(a1.id);
      eq([rej.AssignmentStatus, rej.RequesterFeedback], ['Rejected', 'Please read the tweet.'], 'second assignment (SDK)');
      // Approve all still submitted (status filter Submitted is the default).
      await page.goto(`${SITE}/requester/batches/${S.batch}/review`);
      eq(await page.locator('tr.review-row').count(), 4, 'rows still to review');
      await page.locator('#approve-all').click();
      await page.waitForURL(/msg=reviewed/);
      for (const a of S.assignments.slice(2)) eq((await got(a.id)).AssignmentStatus, 'Approved', `assignment ${a.id} (SDK)`);
      await page.goto(`${SITE}/requester/batches/${S.batch}`);
      eq([await page.locator('#count-approved').textContent(), await page.locator('#count-rejected').textContent()], ['5', '1'], 'batch counts');
    });

    await step('workers page: bonus and block a worker; the SDK sees both', async () => {
      need('assignments');
      const a = S.assignments[2];
      await visit('/requester/workers', 'console-workers');
      const row = page.locator(`#worker-${a.worker}`);
      await row.waitFor();
      await row.locator('details.worker-actions summary').click();
      const bonus = page.locator(`form[action="/requester/workers/${a.worker}/bonus"]`);
      await bonus.locator('[name=assignment]').fill(a.id);
      await bonus.locator('[name=amount]').fill('0.25');
      await bonus.locator('[name=reason]').fill('Careful work');
      await bonus.locator('button[type=submit]').click();
      await page.waitForURL(/msg=bonussent/);
      const bonuses = await S.sdk.send(new ListBonusPaymentsCommand({ AssignmentId: a.id }));
      eq(bonuses.BonusPayments.map((b) => [b.WorkerId, b.BonusAmount, b.Reason]), [[a.worker, '0.25', 'Careful work']], 'bonus (SDK)');
      const other = S.assignments[4].worker;
      await page.locator(`#worker-${other} details.worker-actions summary`).click();
      const block = page.locator(`form[action="/requester/workers/${other}/block"]`);
      await block.locator('[name=reason]').fill('Testing blocks');
      await block.locator('button[type=submit]').click();
      await page.waitForURL(/msg=blocked/);
      const blocks = await S.sdk.send(new ListWorkerBlocksCommand({}));
      eq(blocks.WorkerBlocks.map((b) => [b.WorkerId, b.Reason]), [[other, 'Testing blocks']], 'blocks (SDK)');
    });

    await step('download the results CSV: 500 HITs, the six assignments as the SDK has them', async () => {
      need('assignments');
      await page.goto(`${SITE}/requester/batches/${S.batch}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-results').click()]);
      const file = path.join(files, 'results.csv');
      await download.saveAs(file);
      const text = fs.readFileSync(file, 'utf8');
      const records = parseCSV(text);
      const head = records[0];
      for (const c of ['HITId', 'AssignmentId', 'WorkerId', 'AssignmentStatus', 'Input.id', 'Input.text', 'Answer.sentiment', 'Answer.tweet_id', 'Approve', 'Reject']) {
        assert(head.includes(c), `results header lacks ${c}: ${head.join(',')}`);
      }
      const col = Object.fromEntries(head.map((h, i) => [h, i]));
      const rows = records.slice(1);
      eq(rows.length, ROWS, 'result lines (one per HIT: each has at most one assignment)');
      for (const a of S.assignments) {
        const r = rows.find((x) => x[col.AssignmentId] === a.id);
        assert(r, `assignment ${a.id} is not in the results`);
        const sdk = (await S.sdk.send(new GetAssignmentCommand({ AssignmentId: a.id }))).Assignment;
        eq([r[col.WorkerId], r[col.AssignmentStatus], r[col['Answer.sentiment']], r[col.HITId]],
          [sdk.WorkerId, sdk.AssignmentStatus, a.answer, sdk.HITId], `results line of ${a.id}`);
        eq(r[col['Answer.tweet_id']], r[col['Input.id']], `the hidden ${'${id}'} field of ${a.id}`);
      }
    });

    await step('ledger: the entries add up to the balance the SDK reports', async () => {
      await visit('/requester/ledger', 'console-ledger');
      const resp = await page.request.get(`${SITE}/requester/ledger.csv`);
      eq(resp.status(), 200, 'ledger.csv status');
      const records = parseCSV(await resp.text());
      const col = Object.fromEntries(records[0].map((h, i) => [h, i]));
      let net = 0;
      for (const r of records.slice(1)) net += Number(r[col.Direction]) * cents(r[col.Amount]);
      const balance = cents((await S.sdk.send(new GetAccountBalanceCommand({}))).AvailableBalance);
      eq(net, balance, 'ledger net vs SDK balance');
      // 30.00 reserved, 0.06 released by the rejection, a 0.25 bonus with its 0.05 fee.
      eq(balance, S.start - 3000 + 6 - 25 - 5, 'balance');
      eq(cents(await page.locator('.balance').first().textContent()), balance, 'the ledger page shows the balance');
    });

    await step('no script errors and no CSP violations on the console pages', async () => {
      eq(pageErrors, [], 'page errors');
      eq(cspViolations, [], 'CSP violations');
    });
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${shots}`);
  console.log(`browser console: ${h.passed} passed, ${h.failed} failed`);
  process.exit(h.failed ? 1 : 0);
}

// A small RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF).
function parseCSV(text) {
  const out = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); out.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); out.push(row); }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
