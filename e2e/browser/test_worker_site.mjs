// End-to-end test of hitd's worker web site in headless Chromium
// (playwright-core driving Debian's /usr/bin/chromium; no browser is
// downloaded), with the requester side done by boto3 (e2e/browser_boto3.py:
// posting the HITs, and reviewing the work at the end) and by the AWS SDK
// for JavaScript v3 (the checks in between).
//
// Against a running server it: signs a worker up on /signup; finds a HIT
// group on / and previews it; accepts and works
//   (a) an HTMLQuestion whose form posts to MTurk's externalSubmit URL,
//   (b) an ExternalQuestion served by a small HTTP server this script starts
//       on another loopback port (and checks its preview gets
//       assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE),
//   (c) a QuestionForm, including a submission refused with a field error,
//   (d) a hostile HTMLQuestion that tries to read the site's cookie, its
//       parent page, fetch the worker's pages and accept another HIT;
// then checks with the SDK that every assignment is Submitted with the
// answers typed, and that the hostile page got nothing; last, boto3 reads the
// answers (with xmltodict), approves two assignments and rejects two, and the
// worker's /profile and /my show the outcome. Screenshots of the
// HIT list and of a work page, phone-sized and laptop-sized, go to a temp
// directory whose paths are printed.
//
// Usage: node test_worker_site.mjs   (from e2e/run.sh)
// Environment: HITD_ENDPOINT, HITD_KEY, HITD_SECRET (root requester), PYTHON
// (a python3 with boto3; default python3), HITD_BIN
// and HITD_DATA_DIR (for `hitd worker invite` if sign-up needs an invite),
// CHROMIUM (default /usr/bin/chromium), HITD_E2E_SHOTS (screenshot directory;
// default a new temp directory), HITD_E2E_CONTENT_ORIGIN (set when the server
// runs with --content-listen: the origin HTMLQuestion frames must come from).
//
// Prints "PASS name" / "FAIL name: why" per step and "browser: N passed, M
// failed" last; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import {
  GetHITCommand, GetAssignmentCommand, NotifyWorkersCommand,
} from '@aws-sdk/client-mturk';
import { mturkClient, listAssignments } from './sdk_cli.mjs';

const SITE = (process.env.HITD_ENDPOINT ?? '').replace(/\/$/, '');
if (!SITE) {
  console.error('HITD_ENDPOINT is not set');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Where HTMLQuestion content is expected: the site itself (under /content/),
// or the separate origin of `hitd serve --content-listen`.
const CONTENT_ORIGIN = (process.env.HITD_E2E_CONTENT_ORIGIN || SITE).replace(/\/$/, '');
const RUN = Math.random().toString(36).slice(2, 10);
const NS = {
  html: 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd',
  ext: 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd',
  form: 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd',
};
const NOT_AVAILABLE = 'ASSIGNMENT_ID_NOT_AVAILABLE';
const VIEWPORTS = { phone: { width: 390, height: 844 }, laptop: { width: 1366, height: 768 } };

// ------------------------------------------------------------------ harness

let passed = 0;
let failed = 0;
const S = {}; // state handed from step to step

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function eq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  assert(g === w, `${what}: got ${g}, want ${w}`);
}

function need(...keys) {
  const missing = keys.filter((k) => !(k in S));
  assert(missing.length === 0, `an earlier step did not get as far as ${missing.join(', ')}`);
  return keys.map((k) => S[k]);
}

let page; // the worker's tab
let shots; // screenshot directory

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err?.stack?.split('\n').slice(0, 3).join(' | ') ?? err}`);
    if (page && shots) {
      const file = path.join(shots, `failed-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true });
        console.log(`     page was ${page.url()}; screenshot ${file}`);
      } catch { /* the page is gone */ }
    }
  }
}

// ------------------------------------------------------------------ questions

function htmlQuestion(html, height = 420) {
  return `<HTMLQuestion xmlns="${NS.html}"><HTMLContent><![CDATA[<!DOCTYPE html>\n${html}]]></HTMLContent>`
    + `<FrameHeight>${height}</FrameHeight></HTMLQuestion>`;
}

// The usual MTurk HTMLQuestion pattern: the page reads assignmentId from its
// own query string into the form's hidden field and posts to externalSubmit.
const FILL_ASSIGNMENT_ID = `<script>
  (function () {
    var p = new URLSearchParams(location.search), id = p.get('assignmentId') || '';
    document.getElementById('assignmentId').value = id;
    if (id === '${NOT_AVAILABLE}') { document.getElementById('go').disabled = true; }
  })();
</script>`;

const ANIMAL_HTML = htmlQuestion(`<html><body>
<h2>Which animal has black and white stripes?</h2>
<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId" value="">
  <label>Animal <input id="animal" name="animal" required></label>
  <label><input type="checkbox" name="sure" value="yes"> I am sure</label>
  <button id="go" type="submit">Submit</button>
</form>${FILL_ASSIGNMENT_ID}</body></html>`);

function externalQuestion(url, height = 400) {
  return `<ExternalQuestion xmlns="${NS.ext}"><ExternalURL>${url.replace(/&/g, '&amp;')}</ExternalURL>`
    + `<FrameHeight>${height}</FrameHeight></ExternalQuestion>`;
}

const QUESTION_FORM = `<QuestionForm xmlns="${NS.form}">
  <Overview><Title>Describe the scene</Title><Text>Three short questions.</Text></Overview>
  <Question>
    <QuestionIdentifier>caption</QuestionIdentifier>
    <DisplayName>Caption</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>A caption of 3 to 20 characters.</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer>
      <Constraints><Length minLength="3" maxLength="20"/></Constraints>
    </FreeTextAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>mood</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>The mood?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>radiobutton</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>happy</SelectionIdentifier><Text>Happy</Text></Selection>
        <Selection><SelectionIdentifier>calm</SelectionIdentifier><Text>Calm</Text></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>objects</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>What do you see?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <MinSelectionCount>1</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount>
      <StyleSuggestion>checkbox</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>tree</SelectionIdentifier><Text>A tree</Text></Selection>
        <Selection><SelectionIdentifier>car</SelectionIdentifier><Text>A car</Text></Selection>
        <Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>A dog</Text></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
</QuestionForm>`;

// A hostile HTMLQuestion: everything it tries is written into its own form
// fields, which it then submits like any HIT, so the stored Answer says what
// the page could observe. #status reads "ready" when all attempts are done.
function hostileHTML(otherHITId) {
  return htmlQuestion(`<html><body>
<p id="status">working</p>
<iframe name="sink" id="sink" style="display:none"></iframe>
<form id="attack" method="post" action="${SITE}/hits/${otherHITId}/accept" target="sink"></form>
<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId" value="">
  <input name="cookie" id="r_cookie"> <input name="parent" id="r_parent"> <input name="top" id="r_top">
  <input name="fetch_my" id="r_fetch_my"> <input name="fetch_api" id="r_fetch_api">
  <input name="fetch_accept" id="r_fetch_accept"> <input name="form_accept" id="r_form_accept">
  <input name="origin" id="r_origin">
  <button id="go" type="submit">Submit</button>
</form>
<script>
(async function () {
  var SITE = ${JSON.stringify(SITE)};
  function put(id, v) { document.getElementById(id).value = String(v).slice(0, 300); }
  function threw(e) { return 'threw:' + (e && e.name ? e.name : e); }
  document.getElementById('assignmentId').value = new URLSearchParams(location.search).get('assignmentId') || '';
  put('r_origin', 'value:' + self.origin);
  try { put('r_cookie', 'value:' + document.cookie); } catch (e) { put('r_cookie', threw(e)); }
  try { put('r_parent', 'value:' + parent.document.cookie + '|' + parent.document.title); } catch (e) { put('r_parent', threw(e)); }
  try { put('r_top', 'value:' + top.document.body.innerHTML.length); } catch (e) { put('r_top', threw(e)); }
  async function tryFetch(id, url, init) {
    try {
      var r = await fetch(url, Object.assign({ credentials: 'include' }, init || {}));
      var t = '';
      try { t = await r.text(); } catch (e) { t = threw(e); }
      put(id, 'status:' + r.status + ' type:' + r.type + ' body:' + t.slice(0, 200));
    } catch (e) { put(id, threw(e)); }
  }
  await tryFetch('r_fetch_my', SITE + '/my');
  await tryFetch('r_fetch_api', SITE + '/api/worker/v1/me');
  await tryFetch('r_fetch_accept', SITE + '/hits/${otherHITId}/accept', { method: 'POST', mode: 'no-cors' });
  var sink = document.getElementById('sink');
  var loaded = new Promise(function (res) { sink.onload = function () { res('loaded'); }; setTimeout(function () { res('timeout'); }, 4000); });
  try { document.getElementById('attack').submit(); put('r_form_accept', 'submitted:' + (await loaded)); }
  catch (e) { put('r_form_accept', threw(e)); }
  document.getElementById('status').textContent = 'ready';
})();
</script></body></html>`, 300);
}

// ------------------------------------------------------------------ helpers

// QuestionFormAnswers XML → {QuestionIdentifier: FreeText or [SelectionIdentifier…]}.
function parseAnswers(xml) {
  const unesc = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
  assert(/<QuestionFormAnswers\b[^>]*QuestionFormAnswers\.xsd/.test(xml ?? ''), `not QuestionFormAnswers XML: ${xml}`);
  const out = {};
  for (const [, body] of xml.matchAll(/<Answer>([\s\S]*?)<\/Answer>/g)) {
    const qid = unesc(body.match(/<QuestionIdentifier>([\s\S]*?)<\/QuestionIdentifier>/)[1]);
    const free = body.match(/<FreeText>([\s\S]*?)<\/FreeText>|<FreeText\s*\/>/);
    if (free) {
      out[qid] = unesc(free[1] ?? '');
    } else {
      out[qid] = [...body.matchAll(/<SelectionIdentifier>([\s\S]*?)<\/SelectionIdentifier>/g)].map((m) => unesc(m[1]));
    }
  }
  return out;
}

// The tiny requester server of the ExternalQuestion: /task renders a form
// posting to turkSubmitTo + /mturk/externalSubmit; every request is recorded.
function startTaskServer() {
  const seen = [];
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    seen.push({ path: u.pathname, query: Object.fromEntries(u.searchParams) });
    if (u.pathname !== '/task') {
      res.writeHead(404).end('not found');
      return;
    }
    const q = u.searchParams;
    const id = q.get('assignmentId') ?? '';
    const preview = id === NOT_AVAILABLE || id === '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html><body>
<h2 id="mode">${preview ? 'Preview: accept the HIT to start.' : 'Rate this sentence'}</h2>
<p id="params">assignmentId=${esc(id)} hitId=${esc(q.get('hitId'))} workerId=${esc(q.get('workerId'))}</p>
<form method="post" action="${esc(q.get('turkSubmitTo'))}/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" value="${esc(id)}">
  <input type="hidden" name="batch" value="${esc(q.get('batch'))}">
  <label>Sentiment <select name="sentiment" id="sentiment"><option>positive</option><option>negative</option></select></label>
  <label>Why? <input name="why" id="why"></label>
  <button id="go" type="submit"${preview ? ' disabled' : ''}>Submit</button>
</form></body></html>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, seen, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

// boto3 (e2e/browser_boto3.py): cmd is create-hits or review, input its JSON.
const BOTO3 = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'browser_boto3.py');
function boto3(cmd, input) {
  try {
    return execFileSync(process.env.PYTHON || 'python3', [BOTO3, cmd],
      { input: JSON.stringify(input), encoding: 'utf8', timeout: 120000 });
  } catch (err) {
    throw new Error(`browser_boto3.py ${cmd} exited ${err.status}: ${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

function hitd(...args) {
  const bin = process.env.HITD_BIN || 'hitd';
  const flags = process.env.HITD_DATA_DIR ? ['--data-dir', process.env.HITD_DATA_DIR] : [];
  return execFileSync(bin, [...args, ...flags], { encoding: 'utf8', timeout: 60000 });
}

// Waits until the question frame's document says it was submitted.
async function expectSubmittedFrame(frame) {
  await frame.locator('h1').filter({ hasText: /Submitted/ }).waitFor({ timeout: 15000 });
}

async function shoot(name) {
  const files = [];
  for (const [vp, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(200);
    const file = path.join(shots, `${name}-${vp}-${size.width}x${size.height}.png`);
    await page.screenshot({ path: file, fullPage: false });
    files.push(file);
  }
  await page.setViewportSize(VIEWPORTS.laptop);
  for (const f of files) console.log(`     screenshot: ${f}`);
  return files;
}

// Accepts the HIT shown on a preview page and returns the assignment ID
// from the work page's URL.
async function acceptFromPreview(url) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Accept', exact: true }).click();
  await page.waitForURL(/\/assignments\/[A-Z0-9]+/);
  return page.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
}

// ------------------------------------------------------------------ main

async function main() {
  console.log(`browser test against ${SITE} (HTMLQuestion content from ${CONTENT_ORIGIN}) with ${CHROMIUM} (run ${RUN})`);
  shots = process.env.HITD_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-shots-'));
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-chromium-'));
  const task = await startTaskServer();
  const rq = mturkClient();
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: VIEWPORTS.laptop,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(15000);
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    await step('requester posts five HITs with boto3', async () => {
      const base = {
        Description: `Browser e2e ${RUN}`, Keywords: `e2e, browser, ${RUN}`, AssignmentDurationInSeconds: 600,
        LifetimeInSeconds: 3600, MaxAssignments: 1,
      };
      const post = (hits) => {
        const out = JSON.parse(boto3('create-hits',
          hits.map(([name, Reward, Question]) => ({ ...base, Title: `e2e web ${RUN} ${name}`, Reward, Question }))));
        hits.forEach(([name], i) => {
          S[name] = out[i].HITId;
          S[`${name}Type`] = out[i].HITTypeId;
        });
      };
      post([
        ['animal', '0.40', ANIMAL_HTML],
        ['rating', '0.30', externalQuestion(`${task.origin}/task?batch=b7&x=1`)],
        ['form', '0.60', QUESTION_FORM],
        ['other', '0.20', externalQuestion(`${task.origin}/task?batch=other`)],
      ]);
      post([['hostile', '0.10', hostileHTML(S.other)]]); // it names the other HIT
      // The JavaScript SDK sees what boto3 made.
      eq((await rq.send(new GetHITCommand({ HITId: S.animal }))).HIT.Title, `e2e web ${RUN} animal`, 'title via the JS SDK');
    });

    await step('sign up on /signup', async () => {
      S.user = `web-${RUN}`;
      S.password = `pw-${RUN}-browser`;
      await page.goto(`${SITE}/signup`);
      await page.fill('#username', S.user);
      await page.fill('#password', S.password);
      if (await page.locator('#password2').count()) await page.fill('#password2', S.password);
      if (await page.locator('#invite').count()) {
        // The server takes workers by invitation: make one with the CLI.
        const code = hitd('worker', 'invite').trim().split(/\s+/).pop();
        await page.fill('#invite', code);
      }
      await page.getByRole('button', { name: /create account|sign up/i }).click();
      await page.waitForLoadState();
      assert(!/\/signup/.test(new URL(page.url()).pathname), `still on ${page.url()}: ${await page.locator('.error').allTextContents()}`);
      await page.locator('header').getByText(S.user).waitFor();
      const cookies = await context.cookies(SITE);
      const session = cookies.find((c) => c.name === 'hitd_session') ?? cookies[0];
      assert(session, 'no session cookie after sign-up');
      assert(session.httpOnly, `the session cookie ${session.name} is not HttpOnly`);
      S.sessionCookie = session.value;
    });

    await step('find the group on / (search) and preview it', async () => {
      await page.goto(`${SITE}/?q=${encodeURIComponent(RUN)}`);
      const card = page.locator('.card', { hasText: `e2e web ${RUN} animal` });
      await card.waitFor();
      assert(await page.locator('.card', { hasText: `e2e web ${RUN}` }).count() === 5, 'the search does not list the five groups');
      await card.getByText('0.40').first().waitFor();
      S.listShots = await shoot('hit-list');
      // Sorting by reward puts the 0.60 form first among ours.
      await page.goto(`${SITE}/?q=${encodeURIComponent(RUN)}&sort=reward`);
      const titles = await page.locator('.card h2').allTextContents();
      eq(titles[0].trim(), `e2e web ${RUN} form`, 'first group sorted by reward');
      await page.goto(`${SITE}/?q=${encodeURIComponent(RUN)}`);
      await card.getByRole('link', { name: 'Preview' }).click();
      await page.waitForURL(new RegExp(`/groups/${S.animalType}`));
      const src = await page.locator('iframe').first().getAttribute('src');
      assert(src.includes(`assignmentId=${NOT_AVAILABLE}`), `preview frame src ${src} lacks assignmentId=${NOT_AVAILABLE}`);
      const frame = page.frameLocator('iframe').first();
      await frame.locator('#animal').waitFor();
      assert(await frame.locator('#go').isDisabled(), 'the preview frame did not see ASSIGNMENT_ID_NOT_AVAILABLE');
    });

    await step('(a) HTMLQuestion: accept, fill the input in the frame, submit to externalSubmit', async () => {
      await page.getByRole('button', { name: 'Accept', exact: true }).click();
      await page.waitForURL(/\/assignments\/[A-Z0-9]+/);
      S.animalA = page.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
      const sandbox = await page.locator('iframe').first().getAttribute('sandbox');
      const src = new URL(await page.locator('iframe').first().getAttribute('src'), page.url()).href;
      assert(src.startsWith(`${CONTENT_ORIGIN}/content/${S.animalA}?`), `HTMLQuestion frame src ${src}`);
      const frame = page.frameLocator('iframe').first();
      await frame.locator('#animal').fill('zebra');
      S.workShots = await shoot('work-page');
      await frame.locator('input[name=sure]').check();
      await frame.locator('#go').click();
      await expectSubmittedFrame(frame);
      assert(sandbox !== null && !/allow-same-origin/.test(sandbox), `HTMLQuestion frame sandbox is ${sandbox}`);
    });

    await step('(b) ExternalQuestion: preview gets ASSIGNMENT_ID_NOT_AVAILABLE, then accept and submit', async () => {
      task.seen.length = 0;
      await page.goto(`${SITE}/hits/${S.rating}`);
      const src = await page.locator('iframe').first().getAttribute('src');
      assert(src.startsWith(`${task.origin}/task?batch=b7&x=1&`), `ExternalQuestion frame src ${src}`);
      const q = new URL(src).searchParams;
      eq(q.get('assignmentId'), NOT_AVAILABLE, 'preview assignmentId');
      eq(q.get('hitId'), S.rating, 'preview hitId');
      eq(q.get('workerId'), null, 'preview workerId (MTurk sent none before accepting)');
      const frame = page.frameLocator('iframe').first();
      await frame.locator('#mode').filter({ hasText: 'Preview' }).waitFor();
      const hit = task.seen.find((r) => r.path === '/task');
      assert(hit && hit.query.assignmentId === NOT_AVAILABLE, `the task server saw ${JSON.stringify(task.seen)}`);
      S.ratingA = await acceptFromPreview(`${SITE}/hits/${S.rating}`);
      const work = page.frameLocator('iframe').first();
      await work.locator('#mode').filter({ hasText: 'Rate' }).waitFor();
      const got = task.seen.filter((r) => r.path === '/task').pop().query;
      eq([got.assignmentId, got.hitId, got.batch], [S.ratingA, S.rating, 'b7'], 'task URL parameters');
      assert(/^A[A-Z0-9]{13}$/.test(got.workerId ?? ''), `workerId ${got.workerId}`);
      eq(got.turkSubmitTo, SITE, 'turkSubmitTo');
      S.workerId = got.workerId;
      await work.locator('#sentiment').selectOption('negative');
      await work.locator('#why').fill('too many "quotes" & <tags>');
      await work.locator('#go').click();
      await expectSubmittedFrame(work);
    });

    await step('(c) QuestionForm: "Accept & work" on /, a refused submission shows the field error, then a good one', async () => {
      await page.goto(`${SITE}/?q=${encodeURIComponent(RUN)}`);
      await page.locator('.card', { hasText: `e2e web ${RUN} form` }).getByRole('button', { name: /Accept/ }).click();
      await page.waitForURL(/\/assignments\/[A-Z0-9]+/);
      S.formA = page.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
      const form = page.locator('form.qform');
      await form.locator('[name=caption]').fill('ab');
      await form.locator('input[name=mood][value=calm]').check();
      await form.locator('input[name=objects][value=tree]').check();
      await form.locator('input[name=objects][value=dog]').check();
      // The browser's own checks (minlength) would stop a real person first;
      // this is about the server's check, so skip them.
      await form.evaluate((f) => { f.noValidate = true; });
      await form.getByRole('button', { name: 'Submit' }).click();
      await page.waitForLoadState();
      const err = page.locator('.qform .error, .qform [role=alert]');
      await err.first().waitFor();
      const text = (await page.locator('.qform').innerText());
      assert(/at least 3 characters/i.test(text), `no length error on the page: ${text.slice(0, 500)}`);
      // What was typed is kept.
      eq(await page.locator('.qform input[name=mood][value=calm]').isChecked(), true, 'mood kept after the error');
      const st = (await rq.send(new GetHITCommand({ HITId: S.form }))).HIT;
      eq([st.NumberOfAssignmentsPending, st.NumberOfAssignmentsCompleted ?? 0], [1, 0], 'pending/completed after the refused submission');
      await page.locator('.qform [name=caption]').fill('A park at noon');
      await page.locator('.qform').evaluate((f) => { f.noValidate = true; });
      await page.locator('.qform').getByRole('button', { name: 'Submit' }).click();
      await page.waitForLoadState();
      await page.getByText(/submitted/i).first().waitFor();
    });

    await step('(d) hostile HTMLQuestion: submits what it could observe', async () => {
      S.hostileA = await acceptFromPreview(`${SITE}/hits/${S.hostile}`);
      S.hostileSrc = new URL(await page.locator('iframe').first().getAttribute('src'), page.url()).href;
      const frame = page.frameLocator('iframe').first();
      await frame.locator('#status').filter({ hasText: 'ready' }).waitFor({ timeout: 20000 });
      await frame.locator('#go').click();
      await expectSubmittedFrame(frame);
      // The page around the frame is unharmed and the worker still logged in.
      await page.goto(`${SITE}/my`);
      await page.locator('header').getByText(S.user).waitFor();
    });

    await step('content is served sandboxed, with externalSubmit rewritten', async () => {
      const [src] = need('hostileSrc');
      assert(src.startsWith(`${CONTENT_ORIGIN}/content/`), `the hostile HIT's frame is ${src}`);
      const r = await fetch(src);
      eq(r.status, 200, `GET ${src}`);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert(/(^|;)\s*sandbox\b/.test(csp), `content CSP is ${JSON.stringify(csp)}`);
      assert(!/allow-same-origin/.test(csp), `content CSP allows same-origin: ${csp}`);
      const body = await r.text();
      assert(!body.includes('https://www.mturk.com/mturk/externalSubmit'), 'the MTurk submit URL is still in the content');
      assert(body.includes(`${SITE}/mturk/externalSubmit`) || body.includes(`${CONTENT_ORIGIN}/mturk/externalSubmit`),
        'the content does not post to this server\'s externalSubmit');
    });

    await step('the SDK sees the three assignments Submitted with the answers typed', async () => {
      const one = async (hitId) => {
        const list = await listAssignments(rq, hitId);
        eq(list.length, 1, `assignments of ${hitId}`);
        eq(list[0].AssignmentStatus, 'Submitted', `status of ${list[0].AssignmentId}`);
        return list[0];
      };
      const a = await one(S.animal);
      eq(a.AssignmentId, S.animalA, 'animal assignment');
      eq(parseAnswers(a.Answer), { animal: 'zebra', sure: 'yes' }, 'HTMLQuestion answers');
      const b = await one(S.rating);
      eq([b.AssignmentId, b.WorkerId], [S.ratingA, S.workerId], 'rating assignment and worker');
      eq(parseAnswers(b.Answer), { batch: 'b7', sentiment: 'negative', why: 'too many "quotes" & <tags>' },
        'ExternalQuestion answers');
      const c = await one(S.form);
      eq(c.AssignmentId, S.formA, 'form assignment');
      eq(parseAnswers(c.Answer), { caption: 'A park at noon', mood: ['calm'], objects: ['tree', 'dog'] }, 'QuestionForm answers');
    });

    await step('(d) the hostile page could not read or act as the worker', async () => {
      const [hostileA] = need('hostileA');
      const d = (await rq.send(new GetAssignmentCommand({ AssignmentId: hostileA }))).Assignment;
      eq(d.AssignmentStatus, 'Submitted', 'hostile HIT status');
      const o = parseAnswers(d.Answer);
      console.log(`     the hostile page observed: ${JSON.stringify(o)}`);
      // Every finding is collected, so one run names all that leaked.
      const problems = [];
      const want = (cond, msg) => { if (!cond) problems.push(msg); };
      want(o.cookie === 'value:' || o.cookie?.startsWith('threw:'), `document.cookie gave ${o.cookie}`);
      want(!String(o.cookie).includes(S.sessionCookie), 'the page read the session cookie');
      want(o.parent?.startsWith('threw:'), `parent.document gave ${o.parent}`);
      want(o.top?.startsWith('threw:'), `top.document gave ${o.top}`);
      want(o.origin === 'value:null', `the content document's origin is ${o.origin}, want the opaque "null"`);
      want(o.fetch_my?.startsWith('threw:'), `fetch('/my') with credentials gave ${o.fetch_my}`);
      want(o.fetch_api?.startsWith('threw:'), `fetch('/api/worker/v1/me') with credentials gave ${o.fetch_api}`);
      for (const [k, v] of Object.entries(o)) {
        want(!String(v).includes(S.user), `${k} leaked the worker's username: ${v}`);
      }
      // The other HIT was not accepted, by the no-cors fetch nor by the form.
      const other = (await rq.send(new GetHITCommand({ HITId: S.other }))).HIT;
      want(other.NumberOfAssignmentsPending === 0 && other.NumberOfAssignmentsAvailable === 1,
        `the other HIT has ${other.NumberOfAssignmentsPending} pending, ${other.NumberOfAssignmentsAvailable} available`);
      const login = await fetch(`${SITE}/api/worker/v1/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: S.user, password: S.password }),
      });
      eq(login.status, 200, 'worker API login of the browser-made account');
      const { token, workerId } = await login.json();
      eq(workerId, S.workerId, 'worker API workerId');
      const mine = await (await fetch(`${SITE}/api/worker/v1/assignments?limit=100`, { headers: { Authorization: `Bearer ${token}` } })).json();
      const hits = mine.assignments.map((x) => x.hitId);
      want(!hits.includes(S.other), `the worker holds an assignment of the other HIT: ${JSON.stringify(mine)}`);
      want(hits.filter((h) => [S.animal, S.rating, S.form, S.hostile].includes(h)).length === 4,
        `the worker API lists ${hits.length} assignments: ${JSON.stringify(mine)}`);
      assert(problems.length === 0, problems.join('; '));
    });

    await step('Return on the work page frees the slot', async () => {
      const a = await acceptFromPreview(`${SITE}/hits/${S.other}`);
      let h = (await rq.send(new GetHITCommand({ HITId: S.other }))).HIT;
      eq([h.NumberOfAssignmentsPending, h.NumberOfAssignmentsAvailable], [1, 0], 'the other HIT after accepting');
      await page.getByRole('button', { name: 'Return' }).click();
      await page.waitForLoadState();
      h = (await rq.send(new GetHITCommand({ HITId: S.other }))).HIT;
      eq([h.NumberOfAssignmentsPending, h.NumberOfAssignmentsAvailable], [0, 1], 'the other HIT after returning');
      await page.goto(`${SITE}/assignments/${a}`);
      await page.locator('.status').filter({ hasText: 'Returned' }).waitFor();
    });

    await step('NotifyWorkers lands in /inbox; /profile shows the account', async () => {
      const [workerId] = need('workerId');
      const Subject = `Hello ${RUN}`;
      const out = await rq.send(new NotifyWorkersCommand({ Subject, MessageText: 'Thanks for the <b>zebra</b>.', WorkerIds: [workerId] }));
      eq(out.NotifyWorkersFailureStatuses, [], 'NotifyWorkers failures');
      await page.goto(`${SITE}/inbox`);
      const msg = page.locator('.message', { hasText: Subject });
      await msg.waitFor();
      assert((await msg.innerText()).includes('Thanks for the <b>zebra</b>.'), 'the message text is not shown as text');
      await page.goto(`${SITE}/profile`);
      await page.getByText(S.user).first().waitFor();
      await page.getByText(workerId).first().waitFor();
    });

    await step('/my lists the work; log out ends the session', async () => {
      await page.goto(`${SITE}/my`);
      for (const n of ['animal', 'rating', 'form', 'hostile']) {
        await page.getByText(`e2e web ${RUN} ${n}`).first().waitFor();
      }
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForLoadState();
      await page.goto(`${SITE}/my`);
      assert(/\/login/.test(page.url()), `after logging out /my went to ${page.url()}`);
    });

    await step('the requester reviews with boto3; /profile and /my show the outcome', async () => {
      const [user, password, workerId] = need('user', 'password', 'workerId');
      const keys = ['animal', 'rating', 'form', 'hostile', 'animalType', 'animalA', 'ratingA', 'formA', 'hostileA'];
      const out = boto3('review', { ...Object.fromEntries(keys.map((k) => [k, need(k)[0]])), user, password, workerId });
      for (const line of out.trim().split('\n')) console.log(`     ${line}`);
      await page.goto(`${SITE}/login`);
      await page.fill('#username', user);
      await page.fill('#password', password);
      await page.getByRole('button', { name: /log in/i }).click();
      await page.locator('header').getByText(user).waitFor();
      await page.goto(`${SITE}/profile`);
      const profile = await page.locator('main').innerText();
      for (const want of [/Earnings\s*\$0\.70/, /Submitted\s*4/, /Approved\s*2/, /Rejected\s*2/]) {
        assert(want.test(profile), `/profile lacks ${want}: ${profile.slice(0, 400)}`);
      }
      await page.goto(`${SITE}/my`);
      for (const [n, status] of [['animal', 'Approved'], ['rating', 'Approved'], ['form', 'Rejected'], ['hostile', 'Rejected']]) {
        const card = page.locator('li.assignment', { hasText: `e2e web ${RUN} ${n}` });
        eq((await card.locator('.status').allInnerTexts()).map((x) => x.trim()), [status], `/my status of ${n}`);
      }
      const animal = page.locator('li.assignment', { hasText: `e2e web ${RUN} animal` });
      await animal.locator('.feedback').filter({ hasText: 'Zebra it is.' }).waitFor(); // the requester's feedback
    });

    await step('no script errors on the site\'s own pages', async () => {
      eq(consoleErrors, [], 'page errors');
    });
  } finally {
    if (context) await context.close().catch(() => {});
    task.server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`screenshots in ${shots}:`);
  for (const f of [...(S.listShots ?? []), ...(S.workShots ?? [])]) console.log(`  ${f}`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.log(`FAIL browser test setup: ${err?.stack ?? err}`);
  console.log(`browser: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
