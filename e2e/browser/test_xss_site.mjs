// End-to-end XSS test of hitd's worker site and requester console in
// headless Chromium (playwright-core driving Debian's /usr/bin/chromium).
//
// A corpus of XSS payloads — script tags, event handlers, javascript: URLs,
// attribute and element breakouts (`">`, `</textarea>`, `</title>`,
// `</script>`, `-->`), template syntax, escaped and full-width look-alikes,
// CSS expressions, srcdoc frames, <base>, <meta refresh>, mutation-XSS
// shapes — each of which, if it ran, would set `window.__xss` to its id or
// call alert() with it, is pushed through every requester- and
// worker-supplied field that a page renders:
//
//   requester name (`hitd requester create --name`); HIT title, description,
//   keywords and QuestionForm text, default text and FormattedContent;
//   qualification type name, description, keywords, test and rejection
//   reason; RequesterFeedback on approval and rejection; bonus reason;
//   NotifyWorkers subject and message; block reason; console project name,
//   title, description, keywords and layout HTML; CSV values, column names
//   and file name (the batch name); worker answers and answer field names;
//   usernames (refused), search boxes, query parameters and failed-form
//   re-renders (login, sign-up, console sign-in, project form, bonus form).
//
// Then every page is visited as a worker, a requester and an admin: /,
// search, /groups/{id}, /hits/{id}, work pages, /my, /inbox,
// /qualifications, a qualification test, /profile, error pages; /requester,
// projects, a project (with its live preview), batches, a draft and a
// published batch, review, workers, ledger, admin. On each page, in every
// frame but the HTMLQuestion content frames: no dialog opened, `window.__xss`
// is undefined, and the DOM holds no element a payload would have made
// (event-handler attributes, scripts other than the console's own files,
// javascript: URLs, <base>, <meta http-equiv>, inline styles); the payload
// ids of the fields the page shows are found in its text (so the payloads
// did reach the page, as text). CSP violation reports are logged.
//
// Requester HTML inside an HTMLQuestion frame is meant to run: there a
// probe script records what it can reach, and the test asserts the frame's
// origin is "null", that it cannot read or write its parent, read the
// site's cookies, use storage, navigate the worker's page, or read a page of
// the site with fetch — the isolation.
//
// Usage: node test_xss_site.mjs   (from e2e/run.sh)
// Environment: HITD_ENDPOINT; HITD_BIN and HITD_DATA_DIR (the CLI, on the
// running server's data: requesters, an admin and workers are made with it);
// CHROMIUM (default /usr/bin/chromium); HITD_E2E_SHOTS (screenshot
// directory; default a new temp directory).
//
// Prints "PASS name" / "FAIL name: why" per step and "browser xss: N passed,
// M failed" last; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Harness, assert, eq } from './harness.mjs';
import {
  ApproveAssignmentCommand, AssociateQualificationWithWorkerCommand, CreateHITCommand, CreateQualificationTypeCommand,
  CreateWorkerBlockCommand, ListQualificationRequestsCommand, NotifyWorkersCommand, RejectAssignmentCommand,
  RejectQualificationRequestCommand, SendBonusCommand,
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
const RUN = Math.random().toString(36).slice(2, 8);
const VIEWPORT = { width: 1366, height: 900 };

// ------------------------------------------------------------------ the corpus

// Each payload is a function of an id "xss_<field><n>": if it ran, it would
// set window.__xss to the id or call alert() with it. None contains "]]>"
// (they go into CDATA sections too) and all stay under 128 characters with
// their id (HIT titles may not be longer).
const PAYLOADS = [
  (id) => `<script>window.__xss="${id}"</script>`,
  (id) => `<img src=x onerror=window.__xss="${id}">`,
  (id) => `<svg onload=window.__xss="${id}">`,
  (id) => `"><img src=x onerror=alert("${id}")>`,
  (id) => `'><svg/onload=alert('${id}')>`,
  (id) => `</textarea><script>alert("${id}")</script>`,
  (id) => `</title><script>alert("${id}")</script>`,
  (id) => `javascript:alert("${id}")`,
  (id) => `{{constructor.constructor('alert("${id}")')()}}`,
  (id) => `\${alert("${id}")} #{alert("${id}")} <%= alert("${id}") %>`,
  (id) => `\\u003cscript\\u003ewindow.__xss="${id}"\\u003c/script\\u003e`,
  (id) => `＜script＞alert("${id}")＜/script＞ &#60;script&#62;alert("${id}")`,
  (id) => `<p style="width:expression(alert('${id}'))">${id}</p>`,
  (id) => `<iframe srcdoc="<script>parent.__xss='${id}'</script>">`,
  (id) => `<details open ontoggle=alert("${id}")>`,
  (id) => `--><script>alert("${id}")</script><!--`,
  (id) => `</script><script>window.__xss="${id}"</script>`,
  (id) => `<meta http-equiv=refresh content="0;url=javascript:alert('${id}')">`,
  (id) => `<base href="javascript:alert('${id}')//">`,
  (id) => `<input autofocus onfocus=alert("${id}")>`,
  (id) => `<math><mtext><table><mglyph><style><img src=x onerror=alert("${id}")>`,
  (id) => `<a href="javascript:alert('${id}')">${id}</a>`,
  (id) => `<object data="javascript:alert('${id}')"></object>`,
  (id) => `"onmouseover="alert('${id}')" x="`,
];
const N = PAYLOADS.length;

// payload returns payload i (mod N) for field code, e.g. payload("T", 3).
function payload(code, i) {
  const id = `xss_${code}${i}`;
  return PAYLOADS[((i % N) + N) % N](id);
}

// several joins k payloads of a field, starting at i.
function several(code, i, k) {
  const out = [];
  for (let j = 0; j < k; j++) out.push(payload(code, i + j));
  return out.join(' ');
}

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ------------------------------------------------------------------ harness

const h = new Harness();
const S = h.S;
const need = (...keys) => h.need(...keys);
const step = (name, fn) => h.step(name, fn);
const dialogs = [];
const pageErrors = [];
const cspViolations = [];

let shots;

function hitd(...args) {
  return execFileSync(HITD_BIN, [...args, ...STORE], { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function newRequester(name, ...flags) {
  const out = hitd('requester', 'create', '--name', name, ...flags);
  const key = out.match(/^AccessKeyId:\s*(\S+)/m)?.[1];
  const secret = out.match(/^SecretAccessKey:\s*(\S+)/m)?.[1];
  assert(key && secret, `requester create printed no keys:\n${out}`);
  return { name, key, secret, sdk: mturkClient(key, secret) };
}

function newWorker(tag) {
  const user = `xw${tag}-${RUN}`;
  const password = `pw-${user}-secret`;
  const out = hitd('worker', 'create', '--username', user, '--password', password);
  return { user, password, id: out.match(/\bA[A-Z0-9]{13}\b/)[0] };
}

// inspectFrame runs in a frame (playwright serializes it; it may use
// nothing from outside). For the site's own pages (kind "site") it lists
// what a payload would have made in the DOM — event-handler attributes,
// inline styles, javascript: URLs, scripts other than the console's own
// files, <base>, <object>, <svg>, <meta http-equiv>, unsandboxed or
// same-origin frames of requester HTML — and returns the text the page
// shows: its title, its text, and the values of its form fields
// (re-rendered forms put payloads there).
function inspectFrame(kind) {
  const out = { xss: window.__xss, origin: self.origin, injected: [], text: '' };
  if (kind !== 'site') return out;
  const short = (el) => el.outerHTML.slice(0, 140);
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) out.injected.push(`event handler ${a.name}: ${short(el)}`);
      if (a.name === 'style') out.injected.push(`inline style: ${short(el)}`);
      if (/^(href|src|action|formaction|data|srcdoc)$/i.test(a.name) && /^\s*javascript:/i.test(a.value)) out.injected.push(`javascript: URL: ${short(el)}`);
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && !/^\/static\/[a-z-]+\.js$/.test(el.getAttribute('src') ?? '')) out.injected.push(`script: ${short(el)}`);
    const ownCSS = tag === 'link' && el.rel === 'stylesheet' && /^(https?:\/\/[^/]+)?\/static\/[a-z-]+\.css$/.test(el.getAttribute('href') ?? '');
    if (['base', 'object', 'embed', 'mglyph', 'svg', 'math', 'style', 'link'].includes(tag) && !ownCSS) {
      out.injected.push(`<${tag}>: ${short(el)}`);
    }
    if (tag === 'meta' && el.httpEquiv) out.injected.push(`meta http-equiv: ${short(el)}`);
    if (tag === 'iframe') {
      const sb = el.getAttribute('sandbox');
      if (sb === null) out.injected.push(`unsandboxed frame: ${short(el)}`);
      else if (el.hasAttribute('srcdoc') && sb !== '') out.injected.push(`srcdoc frame with sandbox "${sb}": ${short(el)}`);
      else if (/allow-same-origin/.test(sb) && (el.hasAttribute('srcdoc') || new URL(el.src, location.href).origin === location.origin)) {
        out.injected.push(`same-origin frame of requester HTML: ${short(el)}`);
      }
    }
  }
  const vals = [...document.querySelectorAll('input, textarea, select')].map((el) => el.value);
  out.text = [document.title, document.body ? document.body.innerText : '', ...vals].join('\n');
  return out;
}

// What kind of document a frame is: the site's own page, a layout preview
// (srcdoc, no script), requester HTML (HTMLQuestion content: script runs,
// opaque origin), or something else off-site.
function frameKind(frame, page) {
  if (frame === page.mainFrame()) return 'site';
  const u = frame.url();
  if (u === 'about:srcdoc') return 'preview';
  if (u.startsWith(`${SITE}/content/`) || /\/content\//.test(u)) return 'content';
  if (u.startsWith(`${SITE}/mturk/externalSubmit`)) return 'site';
  if (u === 'about:blank' || u === '') return 'blank';
  return 'external';
}

// withTimeout rejects if p takes longer than ms.
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out`)), ms); })])
    .finally(() => clearTimeout(t));
}

// checkPage checks the page now shown. expect lists field codes (e.g. "T"
// for HIT titles) whose payload ids must appear in the page's text.
async function checkPage(page, name, { expect = [], shot = false } = {}) {
  await page.waitForLoadState('load');
  await page.waitForTimeout(150); // let onload/onerror/autofocus handlers (there should be none) fire
  const problems = [];
  const d = dialogs.splice(0);
  if (d.length) problems.push(`dialogs opened: ${d.join('; ')}`);
  // Script errors: the site's pages run no script but the console's own
  // files, so these come from requester HTML in its frames — typically
  // the isolation refusing it ("Blocked a frame with origin "null"…").
  // Script that ran on the site would show in window.__xss or a dialog.
  const e = pageErrors.splice(0);
  if (e.length) console.log(`     ${name}: ${e.length} script error(s) in frames, e.g. ${e[0].slice(0, 160)}`);
  let text = '';
  for (const frame of page.frames()) {
    const kind = frameKind(frame, page);
    if (kind === 'blank' || kind === 'external') continue;
    let got;
    try {
      got = await withTimeout(frame.evaluate(inspectFrame, kind), 5000, `evaluate in ${frame.url()}`);
    } catch (err) {
      if (kind === 'preview') continue; // a frame without script may not be evaluable; it ran nothing either
      problems.push(`cannot inspect ${kind} frame ${frame.url()}: ${err.message}`);
      continue;
    }
    if (kind === 'content') {
      // Requester HTML runs here by design, on an opaque origin.
      if (got.origin !== 'null') problems.push(`an HTMLQuestion frame runs with origin ${got.origin}, not an opaque one`);
      continue;
    }
    if (got.xss !== undefined) problems.push(`window.__xss = ${JSON.stringify(got.xss)} in the ${kind} frame ${frame.url()}`);
    if (kind === 'preview' && got.origin !== 'null') problems.push(`a layout preview has origin ${got.origin}`);
    if (got.injected.length) problems.push(`injected markup in ${frame.url()}: ${got.injected.slice(0, 5).join(' | ')}`);
    text += got.text;
  }
  const missing = expect.filter((code) => !text.includes(`xss_${code}`));
  if (missing.length) problems.push(`no payload of field(s) ${missing.join(', ')} shown as text`);
  const csp = cspViolations.splice(0);
  if (csp.length) console.log(`     ${name}: ${csp.length} CSP violation report(s), e.g. ${csp[0].slice(0, 160)}`);
  if (shot) {
    const file = path.join(shots, `xss-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`     screenshot: ${file}`);
  }
  assert(problems.length === 0, `${name}: ${problems.join(' ;; ')}`);
}

async function visit(page, pathname, name, opts) {
  const res = await page.goto(`${SITE}${pathname}`);
  assert(res, `${pathname}: no response`);
  await checkPage(page, name, opts);
  return res;
}

// postForm submits a form with the given fields from the page (a
// same-origin form post, as the site's own forms make) and waits for the
// page it leads to.
async function postForm(page, action, fields) {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(({ action, fields }) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = action;
      for (const [k, v] of fields) {
        const t = document.createElement('textarea');
        t.name = k;
        t.value = v;
        f.appendChild(t);
      }
      document.body.appendChild(f);
      f.submit();
    }, { action, fields }),
  ]);
}

function watch(page) {
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()} "${d.message()}" on ${page.url()}`);
    try { await d.dismiss(); } catch { /* already closed */ }
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}

async function login(page, worker) {
  await page.context().clearCookies();
  await page.goto(`${SITE}/login`);
  await page.locator('input[name=username]').fill(worker.user);
  await page.locator('input[name=password]').fill(worker.password);
  await page.locator('form:has(input[name=username]) button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

async function consoleLogin(page, r) {
  await page.goto(`${SITE}/requester/login`);
  await page.locator('#access_key_id').fill(r.key);
  await page.locator('#secret').fill(r.secret);
  await page.locator('form:has(#access_key_id) button[type=submit]').click();
  await page.waitForURL(/\/requester$/);
}

// The HTMLQuestion whose script probes what requester HTML can reach from
// its frame. Its findings are in window.__probe.
const PROBE_HTML = `<!DOCTYPE html><html><head><title>probe</title></head><body>
<h1 id="probe-title">Probe</h1>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit" id="f">
<input type="hidden" name="assignmentId" id="aid" value="">
<label>Answer <input name="answer" id="answer"></label>
<button id="go" type="submit">Submit</button>
</form>
<script>
var r = { origin: self.origin, ran: "requester script ran in its frame" };
try { r.parent = "read:" + parent.document.title; } catch (e) { r.parent = "blocked:" + e.name; }
try { parent.__xss = "written-by-the-frame"; r.parentWrite = "written"; } catch (e) { r.parentWrite = "blocked:" + e.name; }
try { r.cookie = "read:" + document.cookie; } catch (e) { r.cookie = "blocked:" + e.name; }
try { localStorage.setItem("k", "v"); r.storage = "open"; } catch (e) { r.storage = "blocked:" + e.name; }
try { top.location.href = "/?hijacked=1"; r.nav = "navigated"; } catch (e) { r.nav = "blocked:" + e.name; }
r.fetch = "pending";
window.__probe = r;
fetch("/my", { credentials: "include" }).then(function (res) { return res.text(); })
  .then(function (t) { r.fetch = "read:" + t.length; }, function (e) { r.fetch = "blocked:" + e.name; });
document.getElementById("aid").value = new URLSearchParams(location.search).get("assignmentId") || "";
</script></body></html>`;

function htmlQuestion(html, height = 400) {
  return `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[${html}]]></HTMLContent><FrameHeight>${height}</FrameHeight></HTMLQuestion>`;
}

// A QuestionForm with payloads as text (escaped by XML, shown as text),
// as default text (a form field's value) and as FormattedContent (XHTML
// that the site sanitizes).
function questionForm(code, i) {
  const t = (k) => xmlEscape(payload(code, i + k));
  return `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Overview><Title>${t(0)}</Title><Text>${t(1)}</Text><FormattedContent><![CDATA[<p>${several(code, i + 2, 8)}</p>]]></FormattedContent></Overview>
<Question><QuestionIdentifier>opinion</QuestionIdentifier><DisplayName>${t(10)}</DisplayName><IsRequired>true</IsRequired>
<QuestionContent><Text>${t(11)}</Text><FormattedContent><![CDATA[${several(code, i + 12, 8)}]]></FormattedContent></QuestionContent>
<AnswerSpecification><FreeTextAnswer><DefaultText>${t(5)}</DefaultText><NumberOfLinesSuggestion>3</NumberOfLinesSuggestion></FreeTextAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>pick</QuestionIdentifier><QuestionContent><Text>${t(20)}</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>a</SelectionIdentifier><Text>${t(21)}</Text></Selection>
<Selection><SelectionIdentifier>b</SelectionIdentifier><FormattedContent><![CDATA[${payload(code, i + 22)}]]></FormattedContent></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>`;
}

// ------------------------------------------------------------------ main

async function main() {
  console.log(`xss browser test against ${SITE} with ${CHROMIUM} (run ${RUN}, ${N} payloads)`);
  shots = process.env.HITD_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-shots-'));
  h.shots = shots;
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const wctx = await browser.newContext({ viewport: VIEWPORT });
    const w = await wctx.newPage(); // the worker
    const rctx = await browser.newContext({ viewport: VIEWPORT });
    const rp = await rctx.newPage(); // the requester
    const actx = await browser.newContext({ viewport: VIEWPORT });
    const ap = await actx.newPage(); // an anonymous visitor, then the admin
    for (const p of [w, rp, ap]) {
      p.setDefaultTimeout(20000);
      watch(p);
    }

    await step('requesters with payload names, an admin and workers from the CLI; markup in usernames is refused', async () => {
      S.req = newRequester(`${payload('RN', 0)} ${RUN}`);
      S.req2 = newRequester(`${payload('RN', 5)} ${RUN}`);
      S.admin = newRequester(`${payload('RN', 16)} ${RUN}`, '--admin');
      S.w1 = newWorker('1');
      S.w2 = newWorker('2');
      let refused = 0;
      for (const i of [0, 3, 5]) {
        try {
          hitd('worker', 'create', '--username', payload('UN', i), '--password', 'a-long-password');
        } catch {
          refused++;
        }
      }
      eq(refused, 3, 'usernames with markup refused by `hitd worker create`');
    });

    await step('HITs with payloads in title, description, keywords and questions (SDK)', async () => {
      need('req');
      const sdk = S.req.sdk;
      S.hits = [];
      for (let i = 0; i < N; i++) {
        let question = htmlQuestion(`<p>${several('H', i, 4)}</p>`, 200);
        if (i === 0) question = htmlQuestion(PROBE_HTML, 300);
        if (i === 1 || i === 2) question = questionForm('QF', i * 7);
        const out = await sdk.send(new CreateHITCommand({
          Title: payload('T', i), Description: `${payload('D', i)} ${payload('D', i + 7)}`,
          Keywords: `${payload('K', i)}, ${RUN}`, Reward: '0.05', MaxAssignments: 3,
          AssignmentDurationInSeconds: 600, LifetimeInSeconds: 3600, AutoApprovalDelayInSeconds: 86400, Question: question,
        }));
        S.hits.push(out.HIT);
      }
      // A javascript: or data: ExternalURL is refused, or at least never
      // becomes a frame that runs on the site.
      S.extHITs = [];
      for (const u of ['javascript:window.__xss="xss_X0"', 'data:text/html,<script>parent.__xss="xss_X1"</script>']) {
        try {
          const out = await sdk.send(new CreateHITCommand({
            Title: `External ${RUN}`, Description: 'External', Reward: '0.05', MaxAssignments: 1,
            AssignmentDurationInSeconds: 600, LifetimeInSeconds: 3600,
            Question: `<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>${xmlEscape(u)}</ExternalURL><FrameHeight>400</FrameHeight></ExternalQuestion>`,
          }));
          S.extHITs.push(out.HIT.HITId);
        } catch (err) {
          console.log(`     ExternalURL ${u.slice(0, 20)}… refused: ${err.name}`);
        }
      }
    });

    await step('qualification types with payloads; a test; a requirement on a HIT (SDK)', async () => {
      need('req', 'hits');
      const sdk = S.req.sdk;
      const qual = async (i, extra = {}) => (await sdk.send(new CreateQualificationTypeCommand({
        Name: `${payload('QN', i)} ${RUN}`, Description: payload('QD', i), Keywords: `${payload('QK', i)}, ${RUN}`,
        QualificationTypeStatus: 'Active', ...extra,
      }))).QualificationType.QualificationTypeId;
      S.qRequest = await qual(0);
      S.qGranted = await qual(1);
      S.qTest = await qual(2, { Test: questionForm('QT', 3), TestDurationInSeconds: 600 });
      S.qReq2 = await qual(3);
      S.qualHIT = (await sdk.send(new CreateHITCommand({
        Title: `${payload('T', 9)} requires`, Description: payload('D', 9), Reward: '0.05', MaxAssignments: 1,
        AssignmentDurationInSeconds: 600, LifetimeInSeconds: 3600, Question: htmlQuestion('<p>q</p>'),
        QualificationRequirements: [{ QualificationTypeId: S.qReq2, Comparator: 'Exists', ActionsGuarded: 'Accept' }],
      }))).HIT;
    });

    await step('an anonymous visitor: the HIT list, search, previews, login and sign-up forms with payloads reflected', async () => {
      need('hits');
      h.page = ap;
      await visit(ap, '/', 'anon-groups', { expect: ['T', 'D'] });
      await visit(ap, `/?q=${encodeURIComponent(payload('SQ', 0))}`, 'anon-search-reflected', { expect: ['SQ'] });
      await visit(ap, `/?q=${encodeURIComponent(payload('SQ', 3))}&sort=${encodeURIComponent(payload('SQ', 4))}`, 'anon-search-sort', { expect: ['SQ'] });
      await visit(ap, `/hits/${S.hits[1].HITId}`, 'anon-preview-questionform', { expect: ['T', 'QF'] });
      await visit(ap, `/groups/${S.qualHIT.HITTypeId}`, 'anon-preview-requirement', { expect: ['T', 'QN'] });
      await visit(ap, `/login?next=${encodeURIComponent(payload('SQ', 7))}`, 'login-next-javascript');
      await visit(ap, `/login?next=${encodeURIComponent(payload('SQ', 3))}`, 'login-next-breakout');
      await visit(ap, `/signup?invite=${encodeURIComponent(payload('SQ', 3))}`, 'signup-invite-reflected');
      await visit(ap, `/no/such/${encodeURIComponent(payload('SQ', 0))}`, 'not-found');
      await visit(ap, `/hits/${encodeURIComponent(payload('SQ', 1))}`, 'hit-not-found');
      // Failed forms come back with what was typed.
      await ap.goto(`${SITE}/login`);
      await postForm(ap, '/login', [['username', payload('UN', 3)], ['password', 'wrong-password'], ['next', payload('UN', 5)]]);
      await checkPage(ap, 'login-failed-rerender', { expect: ['UN'] });
      await ap.goto(`${SITE}/signup`);
      await postForm(ap, '/signup', [['username', payload('UN', 4)], ['password', 'a-long-password'], ['password2', 'a-long-password'], ['invite', payload('UN', 6)]]);
      await checkPage(ap, 'signup-failed-rerender', { expect: ['UN'] });
      await ap.goto(`${SITE}/requester/login`);
      await postForm(ap, '/requester/login', [['access_key_id', payload('UN', 5)], ['secret', 'wrong']]);
      await checkPage(ap, 'console-login-failed-rerender', { expect: ['UN'] });
      for (const id of S.extHITs) await visit(ap, `/hits/${id}`, `external-url-${id}`);
    });

    await step('HTMLQuestion isolation: requester script runs in an opaque-origin frame that cannot reach the site', async () => {
      need('w1', 'hits');
      h.page = w;
      await login(w, S.w1);
      await w.goto(`${SITE}/hits/${S.hits[0].HITId}`);
      await w.getByRole('button', { name: 'Accept', exact: true }).click();
      await w.waitForURL(/\/assignments\/[A-Z0-9]+/);
      S.probeAssignment = w.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
      const frameEl = w.locator('iframe.question-frame');
      const sandbox = await frameEl.getAttribute('sandbox');
      assert(!/allow-same-origin/.test(sandbox) && /allow-scripts/.test(sandbox), `frame sandbox "${sandbox}"`);
      const frame = w.frames().find((f) => /\/content\//.test(f.url()));
      assert(frame, `no content frame among ${w.frames().map((f) => f.url()).join(', ')}`);
      await frame.waitForFunction(() => window.__probe && window.__probe.fetch !== 'pending', null, { timeout: 10000 });
      const probe = await frame.evaluate(() => ({ ...window.__probe, xss: window.__xss, domain: document.domain }));
      const fromOutside = await frame.evaluate(() => {
        try { return `read:${parent.document.title}`; } catch (e) { return `blocked:${e.name}`; }
      });
      console.log(`     probe: ${JSON.stringify(probe)}`);
      eq(probe.origin, 'null', 'the frame\'s origin');
      eq(probe.ran, 'requester script ran in its frame', 'the probe');
      assert(probe.parent.startsWith('blocked:'), `the frame read its parent: ${probe.parent}`);
      assert(fromOutside.startsWith('blocked:'), `evaluated in the frame, parent.document was ${fromOutside}`);
      assert(probe.parentWrite.startsWith('blocked:'), `the frame wrote to its parent: ${probe.parentWrite}`);
      assert(probe.cookie.startsWith('blocked:') || probe.cookie === 'read:', `the frame read cookies: ${probe.cookie}`);
      assert(probe.storage.startsWith('blocked:'), `the frame has storage: ${probe.storage}`);
      assert(probe.nav.startsWith('blocked:'), `the frame navigated the page: ${probe.nav}`);
      assert(probe.fetch.startsWith('blocked:'), `the frame read a page of the site: ${probe.fetch}`);
      assert(!/hijacked/.test(w.url()), `the page was navigated to ${w.url()}`);
      eq(await w.evaluate(() => window.__xss), undefined, 'window.__xss of the work page');
      await checkPage(w, 'work-page-htmlquestion', { expect: ['T'], shot: true });
      // The worker submits a payload through the frame's own form.
      await frame.locator('#answer').fill(payload('AN', 0));
      await frame.locator('#go').click();
      const thanks = w.frameLocator('iframe.question-frame').locator('h1').filter({ hasText: /Submitted/ });
      await thanks.waitFor();
      await checkPage(w, 'submitted-in-frame');
    });

    await step('worker pages: the HIT list, search, previews, a QuestionForm work page, requests and a test', async () => {
      need('hits', 'qTest', 'qRequest');
      h.page = w;
      await visit(w, '/', 'worker-groups', { expect: ['T', 'D', 'RN'], shot: true });
      await visit(w, `/?q=${encodeURIComponent(payload('SQ', 5))}`, 'worker-search');
      for (const i of [3, 5, 6, 16]) await visit(w, `/hits/${S.hits[i].HITId}`, `worker-preview-${i}`, { expect: ['T', 'D', 'RN'] });
      for (const i of [4, 13]) await visit(w, `/groups/${S.hits[i].HITTypeId}`, `worker-group-${i}`, { expect: ['T', 'RN'] });
      await visit(w, `/groups/${S.qualHIT.HITTypeId}`, 'worker-group-unqualified', { expect: ['QN'] });
      // A QuestionForm: text, default text and sanitized FormattedContent.
      await w.goto(`${SITE}/hits/${S.hits[1].HITId}`);
      await w.getByRole('button', { name: 'Accept', exact: true }).click();
      await w.waitForURL(/\/assignments\/[A-Z0-9]+/);
      S.formAssignment = w.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
      await checkPage(w, 'work-page-questionform', { expect: ['T', 'QF'], shot: true });
      // An answer that fails validation (no choice made… the free text is
      // required and kept) comes back with what was typed.
      await postForm(w, `/assignments/${S.formAssignment}/submit`, [['opinion', ''], ['pick', payload('AN', 5)]]);
      await checkPage(w, 'questionform-refused-rerender');
      await postForm(w, `/assignments/${S.formAssignment}/submit`, [['opinion', payload('AN', 2)], ['pick', 'a']]);
      await checkPage(w, 'questionform-submitted');
      // Qualifications: a request (rejected later with a reason) and a test.
      await w.goto(`${SITE}/qualifications?q=${RUN}`);
      await checkPage(w, 'qualifications-search', { expect: ['QN', 'QD'] });
      await w.locator(`form[action="/qualifications/${S.qRequest}/request"] button`).click();
      await w.waitForURL(/msg=qual/);
      await w.locator(`form[action="/qualifications/${S.qTest}/test"] button`).click();
      await w.waitForURL(/\/qualifications\/tests\//);
      S.testURL = new URL(w.url()).pathname;
      await checkPage(w, 'qualification-test', { expect: ['QN', 'QT'], shot: true });
      await visit(w, `/qualifications?q=${encodeURIComponent(payload('SQ', 3))}`, 'qualifications-search-reflected', { expect: ['SQ'] });
    });

    await step('answers with payloads in values and field names (externalSubmit); a second worker', async () => {
      need('hits', 'w1', 'w2');
      // The worker's answers: values and field names are the worker's to choose.
      const submit = async (page, hit) => {
        await page.goto(`${SITE}/hits/${hit.HITId}`);
        await page.getByRole('button', { name: 'Accept', exact: true }).click();
        await page.waitForURL(/\/assignments\/[A-Z0-9]+/);
        const id = page.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
        const form = { assignmentId: id };
        for (let i = 0; i < 4; i++) form[payload('AF', i * 5 + 1).slice(0, 60)] = payload('AN', i * 3 + 7);
        const res = await page.request.post(`${SITE}/mturk/externalSubmit`, { form });
        eq(res.status(), 200, 'externalSubmit status');
        return id;
      };
      S.submitted = [];
      for (const i of [3, 4, 5]) S.submitted.push(await submit(w, S.hits[i]));
      h.page = w;
      await login(w, S.w2);
      S.w2Assignment = await submit(w, S.hits[6]);
      await login(w, S.w1);
    });

    await step('the requester reviews, pays, messages, rejects a request, grants and blocks (SDK) with payloads', async () => {
      need('submitted', 'w2Assignment', 'qRequest');
      const sdk = S.req.sdk;
      await sdk.send(new ApproveAssignmentCommand({ AssignmentId: S.submitted[0], RequesterFeedback: payload('FB', 0) }));
      await sdk.send(new RejectAssignmentCommand({ AssignmentId: S.submitted[1], RequesterFeedback: payload('FB', 5) }));
      const probeSub = (await listAssignments(sdk, S.hits[0].HITId))[0];
      await sdk.send(new ApproveAssignmentCommand({ AssignmentId: probeSub.AssignmentId, RequesterFeedback: payload('FB', 6) }));
      await sdk.send(new SendBonusCommand({ WorkerId: S.w1.id, AssignmentId: S.submitted[0], BonusAmount: '0.10',
        Reason: several('BR', 0, 6), UniqueRequestToken: `xss-${RUN}` }));
      for (let i = 0; i < N; i += 6) {
        await sdk.send(new NotifyWorkersCommand({ WorkerIds: [S.w1.id], Subject: payload('NS', i).slice(0, 200),
          MessageText: several('NM', i, 6) }));
      }
      const reqs = await sdk.send(new ListQualificationRequestsCommand({ QualificationTypeId: S.qRequest }));
      const mine = reqs.QualificationRequests.find((r) => r.WorkerId === S.w1.id);
      assert(mine, 'the worker\'s qualification request is not listed');
      await sdk.send(new RejectQualificationRequestCommand({ QualificationRequestId: mine.QualificationRequestId, Reason: payload('QR', 0) }));
      await sdk.send(new AssociateQualificationWithWorkerCommand({ QualificationTypeId: S.qGranted, WorkerId: S.w1.id,
        IntegerValue: 42, SendNotification: false }));
      await sdk.send(new CreateWorkerBlockCommand({ WorkerId: S.w2.id, Reason: several('BL', 0, 4) }));
    });

    await step('worker pages with the requester\'s text: /my, /inbox, /qualifications, /profile, the test', async () => {
      need('testURL');
      h.page = w;
      await visit(w, '/my', 'worker-my', { expect: ['T', 'FB', 'RN'], shot: true });
      await visit(w, '/inbox', 'worker-inbox', { expect: ['NS', 'NM', 'RN'], shot: true });
      await visit(w, `/qualifications?q=${RUN}`, 'worker-qualifications', { expect: ['QN', 'QD', 'QR'], shot: true });
      await visit(w, '/qualifications', 'worker-my-qualifications', { expect: ['QN'] });
      await visit(w, '/profile', 'worker-profile');
      await visit(w, S.testURL, 'worker-test-again', { expect: ['QT'] });
      await visit(w, `/assignments/${S.submitted[0]}`, 'worker-assignment-approved', { expect: ['T'] });
      await visit(w, `/assignments/${S.formAssignment}`, 'worker-assignment-form-done', { expect: ['T'] });
      await visit(w, `/hits/${encodeURIComponent(payload('SQ', 3))}`, 'worker-hit-not-found');
      await visit(w, `/qualifications/tests/${encodeURIComponent(payload('SQ', 2))}`, 'worker-test-not-found');
    });

    await step('console: a project with payloads (a refused save re-rendered first), its preview and live preview', async () => {
      need('req');
      h.page = rp;
      await consoleLogin(rp, S.req);
      await checkPage(rp, 'console-dashboard', { expect: ['RN', 'T'] });
      S.layout = `<h2>${several('PL', 0, 6)}</h2><p id="v">\${word}</p><p>\${note}</p><p>${several('PL', 6, N - 6)}</p>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" value=""><input name="label"><button>Go</button></form>`;
      await rp.goto(`${SITE}/requester/projects/new`);
      await rp.locator('#name').fill(`${payload('PN', 0)} ${RUN}`);
      await rp.locator('#title').fill(`${payload('PT', 5)} ${RUN}`);
      await rp.locator('#description').fill(several('PD', 0, 6));
      await rp.locator('#keywords').fill(several('PK', 2, 4));
      await rp.locator('#reward').fill(payload('PR', 3)); // refused: not an amount
      await rp.locator('#max_assignments').fill('2');
      await rp.locator('#html').fill(S.layout);
      await rp.locator('#save-project').click();
      await rp.locator('#project-error').waitFor();
      await checkPage(rp, 'project-form-refused-rerender', { expect: ['PN', 'PT', 'PD', 'PK', 'PL'], shot: true });
      await rp.locator('#reward').fill('0.05');
      await rp.locator('#save-project').click();
      await rp.waitForURL(/\/requester\/projects\/[A-Z0-9]+\?/);
      S.project = rp.url().match(/\/requester\/projects\/([A-Z0-9]+)/)[1];
      await checkPage(rp, 'project-page', { expect: ['PN', 'PT', 'PD', 'PK', 'PL'] });
      eq(await rp.locator('#layout-preview').getAttribute('sandbox'), '', 'layout preview sandbox');
    });

    await step('console: CSV uploads with payload column names (refused), file name and values; the draft', async () => {
      need('project');
      h.page = rp;
      const cols = [payload('CC', 0), payload('CC', 3)].map((c) => `"${c.replace(/"/g, '""')}"`);
      await rp.locator('#csv').setInputFiles({ name: 'columns.csv', mimeType: 'text/csv', buffer: Buffer.from(`${cols.join(',')}\nx,y\n`) });
      await rp.locator('#upload-button').click();
      await rp.locator('#upload-error').waitFor();
      await checkPage(rp, 'csv-bad-columns-rerender', { expect: ['CC'] });
      const q = (s) => `"${s.replace(/"/g, '""')}"`;
      const lines = ['word,note,extra'];
      for (let i = 0; i < 4; i++) lines.push([q(payload('CV', i * 3)), q(payload('CV', i * 3 + 1)), q(payload('CV', i * 3 + 2))].join(','));
      // The file name becomes the batch's name.
      const res = await rp.request.post(`${SITE}/requester/projects/${S.project}/batches`, {
        multipart: { csv: { name: `${payload('BN', 2)}.csv`, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\r\n')}\r\n`) } },
      });
      assert(res.ok(), `upload: status ${res.status()}`);
      const m = res.url().match(/\/requester\/batches\/([A-Z0-9]+)/);
      assert(m, `upload ended at ${res.url()}`);
      S.batch = m[1];
      await visit(rp, `/requester/batches/${S.batch}`, 'batch-draft', { expect: ['BN', 'PN'], shot: true });
      const srcdoc = await rp.locator('#batch-preview').getAttribute('srcdoc');
      assert(srcdoc.includes('xss_CV0') && srcdoc.includes('xss_PL0'), 'the draft preview does not show the first row in the layout');
      eq(await rp.locator('#batch-preview').getAttribute('sandbox'), '', 'draft preview sandbox');
      // The project page now has sample values for the live preview, which
      // console.js fills into the layout as it is typed.
      await rp.goto(`${SITE}/requester/projects/${S.project}`);
      await rp.locator('#html').fill(`${S.layout}<p>\${word} \${extra} live-${RUN}</p>`);
      await rp.waitForFunction((run) => (document.querySelector('#layout-preview')?.getAttribute('srcdoc') ?? '').includes(`live-${run}`), RUN);
      await rp.waitForTimeout(300);
      await checkPage(rp, 'project-live-preview', { expect: ['PL'], shot: true });
    });

    await step('console: publish; workers submit payload answers; batch, review and filters', async () => {
      need('batch');
      h.page = rp;
      await rp.goto(`${SITE}/requester/batches/${S.batch}`);
      await rp.locator('#publish-button').click();
      await rp.waitForURL(/msg=batchpublished/, { timeout: 60000 });
      await checkPage(rp, 'batch-published', { expect: ['BN'] });
      // The worker finds the batch's group (the project's title) and
      // submits payloads.
      const hitsOfBatch = [];
      await w.goto(`${SITE}/?q=${RUN}`);
      const groupHref = await w.locator('li', { hasText: `xss_PT5")</script> ${RUN}` }).locator('a[href^="/groups/"]').first().getAttribute('href');
      assert(groupHref, 'the batch\'s group is not listed');
      for (let k = 0; k < 2; k++) {
        await w.goto(`${SITE}${groupHref}`);
        await checkPage(w, `batch-hit-preview-${k}`, { expect: ['PT', 'PD'] });
        await w.getByRole('button', { name: 'Accept', exact: true }).click();
        await w.waitForURL(/\/assignments\/[A-Z0-9]+/);
        const id = w.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
        await checkPage(w, `batch-hit-work-${k}`, { expect: ['PT'] });
        const form = { assignmentId: id, label: payload('AN', 11 + k) };
        form[payload('AF', 3 + k).replace(/\s/g, '_').slice(0, 50)] = payload('AN', 14 + k);
        eq((await w.request.post(`${SITE}/mturk/externalSubmit`, { form })).status(), 200, 'externalSubmit');
        hitsOfBatch.push(id);
      }
      S.batchAssignments = hitsOfBatch;
      await visit(rp, `/requester/batches/${S.batch}/review`, 'review', { expect: ['AN', 'CV', 'BN'], shot: true });
      await visit(rp, `/requester/batches/${S.batch}/review?status=all&worker=${encodeURIComponent(payload('SQ', 3))}`, 'review-filter-reflected');
      await visit(rp, `/requester/batches/${S.batch}/review?status=${encodeURIComponent(payload('SQ', 4))}`, 'review-status-reflected');
      // Reject one with feedback through the review form; refuse another
      // (no selection) so the form comes back with the feedback typed.
      await rp.goto(`${SITE}/requester/batches/${S.batch}/review`);
      await rp.locator(`#pick-${hitsOfBatch[0]}`).check();
      await rp.locator('#review-feedback').fill(payload('FB', 16));
      await rp.locator('#reject-selected').click();
      await rp.waitForURL(/msg=reviewed/);
      await checkPage(rp, 'review-after-reject', { expect: ['AN'] });
      await rp.locator('#review-feedback').fill(payload('FB', 5));
      await rp.locator('#approve-selected').click();
      await checkPage(rp, 'review-refused-rerender', { expect: ['FB'] });
      await visit(w, '/my', 'worker-my-after-console-review', { expect: ['FB', 'PT'] });
    });

    await step('console: workers page with blocks, a refused bonus re-rendered, a bonus; batches, projects, ledger', async () => {
      need('submitted');
      h.page = rp;
      await visit(rp, '/requester/workers', 'console-workers', { expect: ['BL', 'QN'], shot: true });
      await visit(rp, `/requester/workers?worker=${encodeURIComponent(payload('SQ', 3))}`, 'console-workers-reflected');
      await postForm(rp, `/requester/workers/${S.w1.id}/bonus`, [['assignment', S.submitted[0]], ['amount', payload('BA', 3)],
        ['reason', several('BR', 5, 4)], ['token', `t-${RUN}`], ['return', payload('SQ', 7)]]);
      await checkPage(rp, 'console-bonus-refused-rerender', { expect: ['BR'] });
      await postForm(rp, `/requester/workers/${S.w1.id}/bonus`, [['assignment', S.submitted[0]], ['amount', '0.05'],
        ['reason', several('BR', 9, 4)], ['token', `t2-${RUN}`], ['return', '/requester/workers']]);
      await checkPage(rp, 'console-bonus-sent');
      await postForm(rp, `/requester/workers/${S.w1.id}/block`, [['reason', ''], ['return', '/requester/workers']]);
      await checkPage(rp, 'console-block-refused');
      await postForm(rp, `/requester/workers/${S.w1.id}/grant`, [['qualification', payload('SQ', 3)], ['value', payload('SQ', 4)]]);
      await checkPage(rp, 'console-grant-refused');
      await visit(rp, '/requester', 'console-dashboard-after', { expect: ['T', 'RN'] });
      await visit(rp, '/requester/projects', 'console-projects', { expect: ['PN'] });
      await visit(rp, '/requester/batches', 'console-batches', { expect: ['BN', 'PN'] });
      await visit(rp, `/requester/projects/${S.project}`, 'console-project-with-batches', { expect: ['PN', 'BN'] });
      await visit(rp, '/requester/ledger', 'console-ledger');
      await visit(rp, `/requester/ledger?after=${encodeURIComponent(payload('SQ', 3))}`, 'console-ledger-reflected');
      await visit(rp, `/requester/batches/${encodeURIComponent(payload('SQ', 1))}`, 'console-batch-not-found');
      await visit(rp, `/requester/admin`, 'console-admin-refused');
    });

    await step('admin console: requesters\' names and workers\' usernames; a refused deposit re-rendered', async () => {
      need('admin');
      h.page = ap;
      await consoleLogin(ap, S.admin);
      await visit(ap, '/requester/admin', 'console-admin', { expect: ['RN'], shot: true });
      await postForm(ap, '/requester/admin/deposit', [['access_key_id', payload('SQ', 3)], ['amount', payload('SQ', 5)]]);
      await checkPage(ap, 'console-admin-deposit-refused-rerender', { expect: ['SQ'] });
      await postForm(ap, `/requester/admin/workers/${S.w1.id}/masters`, [['masters', payload('SQ', 0)]]);
      await checkPage(ap, 'console-admin-masters-refused');
    });

    await step('no script ran anywhere: no dialogs left unchecked', async () => {
      eq(dialogs, [], 'dialogs');
    });
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${shots}`);
  console.log(`browser xss: ${h.passed} passed, ${h.failed} failed`);
  process.exit(h.failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
