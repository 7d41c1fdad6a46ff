// End-to-end test of qualifications on hitd's worker web site in headless
// Chromium (playwright-core driving Debian's /usr/bin/chromium, launched as
// test_worker_site.mjs launches it), with the requester side done by the AWS
// SDK for JavaScript v3.
//
// Against a running server it: has a requester define a qualification type
// with a two-question test and an AnswerKey, a HIT that requires a score of at
// least 75 in it and a HIT that requires the Adult system qualification;
// signs a worker up on /signup; finds the qualification on /qualifications by
// searching; takes its test in the page (a submission with a question left
// unanswered comes back with the field's error, then a right one is granted
// 100); sees the score on /qualifications and with the SDK; sees
// "Not qualified" on the quiz HIT before and an Accept button after (and
// accepts); ticks "I am 18 or older" on /profile, which turns the Adult HIT's
// "Not qualified" into an Accept button. Screenshots of /qualifications,
// phone-sized and laptop-sized, go to a temp directory whose paths are
// printed (and of the test page showing its field error).
//
// Usage: node test_quals_site.mjs   (from e2e/run.sh)
// Environment: HITD_ENDPOINT, HITD_KEY, HITD_SECRET (root requester), HITD_BIN
// and HITD_DATA_DIR (for `hitd worker invite` if sign-up needs an invite),
// CHROMIUM (default /usr/bin/chromium), HITD_E2E_SHOTS (screenshot directory;
// default a new temp directory).
//
// Prints "PASS name" / "FAIL name: why" per step and "browser quals: N passed,
// M failed" last; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CreateHITCommand, CreateQualificationTypeCommand, GetHITCommand, GetQualificationScoreCommand,
  ListWorkersWithQualificationTypeCommand,
} from '@aws-sdk/client-mturk';
import { mturkClient } from './sdk_cli.mjs';

const SITE = (process.env.HITD_ENDPOINT ?? '').replace(/\/$/, '');
if (!SITE) {
  console.error('HITD_ENDPOINT is not set');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RUN = Math.random().toString(36).slice(2, 10);
const NS = {
  form: 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd',
  key: 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd',
};
const ADULT = '00000000000000000060';
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

function radio(id, text, choices) {
  const sel = choices.map(([i, t]) => `<Selection><SelectionIdentifier>${i}</SelectionIdentifier><Text>${t}</Text></Selection>`).join('');
  return `<Question><QuestionIdentifier>${id}</QuestionIdentifier><DisplayName>${text}</DisplayName>`
    + '<IsRequired>true</IsRequired>'
    + `<QuestionContent><Text>${text}</Text></QuestionContent>`
    + '<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>'
    + `<Selections>${sel}</Selections></SelectionAnswer></AnswerSpecification></Question>`;
}

const TEST = `<QuestionForm xmlns="${NS.form}">`
  + '<Overview><Title>Two questions</Title><Text>Answer both.</Text></Overview>'
  + radio('capital', 'The capital of France?', [['paris', 'Paris'], ['rome', 'Rome'], ['berlin', 'Berlin']])
  + radio('sum', 'What is 2 + 2?', [['three', 'Three'], ['four', 'Four'], ['five', 'Five']])
  + '</QuestionForm>';

const ANSWER_KEY = `<AnswerKey xmlns="${NS.key}">`
  + '<Question><QuestionIdentifier>capital</QuestionIdentifier>'
  + '<AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question>'
  + '<Question><QuestionIdentifier>sum</QuestionIdentifier>'
  + '<AnswerOption><SelectionIdentifier>four</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question>'
  + '<QualificationValueMapping><PercentageMapping><MaximumSummedScore>2</MaximumSummedScore></PercentageMapping>'
  + '</QualificationValueMapping></AnswerKey>';

// The HITs themselves: a one-question QuestionForm.
const HIT_FORM = `<QuestionForm xmlns="${NS.form}"><Question><QuestionIdentifier>word</QuestionIdentifier>`
  + '<IsRequired>true</IsRequired><QuestionContent><Text>Type a word.</Text></QuestionContent>'
  + '<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>';

// ------------------------------------------------------------------ helpers

function hitd(...args) {
  const bin = process.env.HITD_BIN || 'hitd';
  const flags = process.env.HITD_DATA_DIR ? ['--data-dir', process.env.HITD_DATA_DIR] : [];
  return execFileSync(bin, [...args, ...flags], { encoding: 'utf8', timeout: 60000 });
}

async function shoot(name) {
  const files = [];
  for (const [vp, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(200);
    const file = path.join(shots, `${name}-${vp}-${size.width}x${size.height}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(VIEWPORTS.laptop);
  for (const f of files) console.log(`     screenshot: ${f}`);
  return files;
}

const acceptButton = () => page.getByRole('button', { name: 'Accept', exact: true });

// The preview of a HIT the worker does not qualify for: the reason, and no Accept.
async function expectNotQualified(hitId, ...words) {
  await page.goto(`${SITE}/hits/${hitId}`);
  const why = page.locator('.unqualified');
  await why.waitFor();
  const text = (await why.innerText()).trim();
  assert(/^Not qualified/.test(text), `the preview says ${JSON.stringify(text)}`);
  for (const w of words) assert(text.includes(w), `"${text}" does not mention ${w}`);
  eq(await acceptButton().count(), 0, `Accept buttons on the preview of ${hitId}, which the worker is not qualified for`);
  return text;
}

// Accepts from the preview; returns the assignment ID.
async function acceptFromPreview(hitId) {
  await page.goto(`${SITE}/hits/${hitId}`);
  eq(await page.locator('.unqualified').count(), 0, 'a "Not qualified" note on the preview');
  await acceptButton().click();
  await page.waitForURL(/\/assignments\/[A-Z0-9]+/);
  return page.url().match(/\/assignments\/([A-Z0-9]+)/)[1];
}

// ------------------------------------------------------------------ main

async function main() {
  console.log(`browser qualification test against ${SITE} with ${CHROMIUM} (run ${RUN})`);
  shots = process.env.HITD_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-shots-'));
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hitd-e2e-chromium-'));
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

    await step('requester defines a tested qualification and two HITs that require qualifications', async () => {
      const qt = await rq.send(new CreateQualificationTypeCommand({
        Name: `Web quiz ${RUN}`, Description: `Capitals and sums (${RUN})`, Keywords: `e2e, browser, ${RUN}`,
        QualificationTypeStatus: 'Active', Test: TEST, AnswerKey: ANSWER_KEY, TestDurationInSeconds: 900,
        RetryDelayInSeconds: 0,
      }));
      S.quiz = qt.QualificationType.QualificationTypeId;
      S.quizName = qt.QualificationType.Name;
      // A second type, so the search has something to leave out.
      const other = await rq.send(new CreateQualificationTypeCommand({
        Name: `Web other ${RUN}`, Description: 'Granted on request', Keywords: 'e2e, browser, other',
        QualificationTypeStatus: 'Active', AutoGranted: true,
      }));
      S.other = other.QualificationType.QualificationTypeId;
      const base = {
        Description: `Browser quals e2e ${RUN}`, Keywords: `e2e, browser, quals, ${RUN}`, AssignmentDurationInSeconds: 600,
        LifetimeInSeconds: 3600, MaxAssignments: 1, Reward: '0.25', Question: HIT_FORM,
      };
      const quizHIT = await rq.send(new CreateHITCommand({
        ...base, Title: `e2e quals web ${RUN} quiz`,
        QualificationRequirements: [{ QualificationTypeId: S.quiz, Comparator: 'GreaterThanOrEqualTo', IntegerValues: [75] }],
      }));
      S.quizHIT = quizHIT.HIT.HITId;
      const adultHIT = await rq.send(new CreateHITCommand({
        ...base, Title: `e2e quals web ${RUN} adult`,
        QualificationRequirements: [{ QualificationTypeId: ADULT, Comparator: 'EqualTo', IntegerValues: [1] }],
      }));
      S.adultHIT = adultHIT.HIT.HITId;
    });

    await step('sign up on /signup', async () => {
      S.user = `wq-${RUN}`;
      S.password = `pw-${RUN}-quals`;
      await page.goto(`${SITE}/signup`);
      await page.fill('#username', S.user);
      await page.fill('#password', S.password);
      if (await page.locator('#password2').count()) await page.fill('#password2', S.password);
      if (await page.locator('#invite').count()) {
        const code = hitd('worker', 'invite').trim().split(/\s+/).pop();
        await page.fill('#invite', code);
      }
      await page.getByRole('button', { name: /create account|sign up/i }).click();
      await page.waitForLoadState();
      assert(!/\/signup/.test(new URL(page.url()).pathname), `still on ${page.url()}: ${await page.locator('.error').allTextContents()}`);
      await page.locator('header').getByText(S.user).waitFor();
      await page.goto(`${SITE}/profile`);
      S.workerId = (await page.locator('code').first().innerText()).trim();
      assert(/^A[A-Z0-9]{13}$/.test(S.workerId), `the profile shows worker ID ${S.workerId}`);
    });

    await step('before the test: the quiz HIT says "Not qualified", on / and on its preview', async () => {
      const [quizHIT] = need('quizHIT');
      await page.goto(`${SITE}/?q=${encodeURIComponent(`${RUN} quiz`)}`);
      const card = page.locator('.card', { hasText: `e2e quals web ${RUN} quiz` });
      await card.waitFor();
      const note = (await card.locator('.unqualified').innerText()).trim();
      assert(note.startsWith('Not qualified') && note.includes(S.quizName) && note.includes('75'),
        `the group card says ${JSON.stringify(note)}`);
      eq(await card.getByRole('button', { name: /Accept/ }).count(), 0, 'Accept buttons on the card of a group the worker is not qualified for');
      await expectNotQualified(quizHIT, S.quizName, '75');
      // The page leads to the qualifications.
      await page.getByRole('link', { name: 'Get qualified' }).click();
      await page.waitForURL(/\/qualifications/);
    });

    await step('/qualifications: search finds the quiz and leaves the other type out', async () => {
      await page.goto(`${SITE}/qualifications`);
      await page.fill('#q', `Capitals and sums (${RUN})`);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\/qualifications\?q=/);
      const cards = page.locator('.card.qual');
      eq(await cards.count(), 1, 'qualifications found by the description');
      const card = page.locator(`#q-${S.quiz}`);
      await card.getByRole('heading', { name: S.quizName }).waitFor();
      assert(/Test/.test(await card.innerText()), `the card does not say it has a test: ${await card.innerText()}`);
      await page.fill('#q', RUN);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator(`#q-${S.other}`).waitFor();
      await page.fill('#q', `nothing-like-${RUN}`);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('.empty', { hasText: 'No qualifications match' }).waitFor();
      eq(await cards.count(), 0, 'cards for a search that matches nothing');
    });

    await step('take the test: a question left unanswered comes back with its error, then a right answer is granted 100', async () => {
      await page.goto(`${SITE}/qualifications?q=${encodeURIComponent(RUN)}`);
      await page.locator(`#q-${S.quiz}`).getByRole('button', { name: 'Take the test' }).click();
      await page.waitForURL(/\/qualifications\/tests\/[A-Z0-9]+$/);
      S.testURL = page.url();
      const form = page.locator('form.qform');
      await form.locator('input[name=capital][value=paris]').check();
      // The browser's own check (required) would stop a person first; this is
      // about the server's check.
      await form.evaluate((f) => { f.noValidate = true; });
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === S.testURL),
        form.getByRole('button', { name: 'Submit' }).click(),
      ]);
      eq(resp.status(), 422, 'status of a test submission with an unanswered question');
      await page.waitForLoadState();
      const err = page.locator('.qform .qf-error');
      await err.first().waitFor();
      eq(await err.count(), 1, 'field errors');
      const bad = page.locator('fieldset.qf-invalid');
      assert((await bad.getAttribute('id') ?? '').length > 0 && (await bad.innerText()).includes('2 + 2'),
        `the error is not on the unanswered question: ${await bad.innerText()}`);
      S.testShots = await shoot('qualification-test-error');
      // What was chosen is kept.
      eq(await page.locator('.qform input[name=capital][value=paris]').isChecked(), true, 'capital kept after the error');
      // Nothing was granted.
      try {
        await rq.send(new GetQualificationScoreCommand({ QualificationTypeId: S.quiz, WorkerId: S.workerId }));
        throw new Error('a score was granted for a refused submission');
      } catch (e) {
        assert(/QualificationDoesNotExist/.test(`${e.TurkErrorCode} ${e.message}`) || e.name === 'RequestError',
          `GetQualificationScore: ${e.name}: ${e.message}`);
      }
      await page.locator('.qform input[name=sum][value=four]').check();
      await page.locator('.qform').evaluate((f) => { f.noValidate = true; });
      await page.locator('.qform').getByRole('button', { name: 'Submit' }).click();
      await page.waitForLoadState();
      await page.locator('.result.granted').waitFor();
      eq((await page.locator('.result.granted .score').innerText()).trim(), '100', 'the granted score on the test page');
      const q = (await rq.send(new GetQualificationScoreCommand({ QualificationTypeId: S.quiz, WorkerId: S.workerId }))).Qualification;
      eq([q.IntegerValue, q.Status], [100, 'Granted'], 'GetQualificationScore');
      const who = await rq.send(new ListWorkersWithQualificationTypeCommand({ QualificationTypeId: S.quiz, Status: 'Granted' }));
      eq(who.Qualifications.map((x) => x.WorkerId), [S.workerId], 'ListWorkersWithQualificationType');
    });

    await step('/qualifications shows the granted score (screenshots)', async () => {
      await page.goto(`${SITE}/qualifications?q=${encodeURIComponent(RUN)}`);
      const row = page.locator(`#s-${S.quiz}`);
      await row.waitFor();
      eq((await row.locator('.score').innerText()).trim(), '100', 'the score in My qualifications');
      assert((await row.innerText()).includes('Granted'), `the row says ${await row.innerText()}`);
      const card = page.locator(`#q-${S.quiz}`);
      await card.locator('.standing.have').waitFor();
      eq(await card.getByRole('button', { name: 'Take the test' }).count(), 0, 'Take the test buttons once granted');
      S.shots = await shoot('qualifications');
      // On a phone the page itself does not scroll sideways (a wide table may scroll inside its panel).
      await page.setViewportSize(VIEWPORTS.phone);
      const [doc, win] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      await page.setViewportSize(VIEWPORTS.laptop);
      assert(doc <= win, `/qualifications is ${doc}px wide in a ${win}px phone viewport`);
    });

    await step('after the test: the quiz HIT has an Accept button, and accepting works', async () => {
      const [quizHIT] = need('quizHIT');
      await page.goto(`${SITE}/?q=${encodeURIComponent(`${RUN} quiz`)}`);
      const card = page.locator('.card', { hasText: `e2e quals web ${RUN} quiz` });
      await card.waitFor();
      eq(await card.locator('.unqualified').count(), 0, '"Not qualified" on the card once qualified');
      await card.getByRole('button', { name: /Accept/ }).waitFor();
      S.quizA = await acceptFromPreview(quizHIT);
      const h = (await rq.send(new GetHITCommand({ HITId: quizHIT }))).HIT;
      eq(h.NumberOfAssignmentsPending, 1, 'pending assignments of the quiz HIT');
    });

    await step('the Adult HIT: "Not qualified" until "I am 18 or older" is ticked on /profile', async () => {
      const [adultHIT] = need('adultHIT');
      await expectNotQualified(adultHIT);
      await page.goto(`${SITE}/profile`);
      const box = page.locator('#adult');
      eq(await box.isChecked(), false, 'the adult box of a new worker');
      await page.fill('#country', 'NZ');
      await box.check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/profile/);
      await page.waitForLoadState();
      eq(await page.locator('#adult').isChecked(), true, 'the adult box after saving');
      eq(await page.locator('#country').inputValue(), 'NZ', 'the country saved with it');
      const a = await acceptFromPreview(adultHIT);
      assert(/^[A-Z0-9]{30}$/.test(a), `assignment ${a}`);
      // Unticking it takes the qualification away again (for new accepts).
      await page.goto(`${SITE}/profile`);
      await page.locator('#adult').uncheck();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForLoadState();
      eq(await page.locator('#adult').isChecked(), false, 'the adult box after unticking');
      eq(await page.locator('#country').inputValue(), 'NZ', 'the country after unticking the adult box');
    });

    await step('no script errors on the site\'s own pages', async () => {
      eq(consoleErrors, [], 'page errors');
    });
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`screenshots in ${shots}:`);
  for (const f of [...(S.shots ?? []), ...(S.testShots ?? [])]) console.log(`  ${f}`);
  console.log(`browser quals: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.log(`FAIL browser test setup: ${err?.stack ?? err}`);
  console.log(`browser quals: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
