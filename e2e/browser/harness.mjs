// What the browser suites written since the requester console share: the
// checks, and the step runner that prints "PASS name (Ns)" / "FAIL name:
// why", counts both and screenshots the page a failing step was on.
import path from 'node:path';

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function eq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  assert(g === w, `${what}: got ${g}, want ${w}`);
}

export class Harness {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.S = {}; // state handed from step to step
    this.page = null; // the page a failing step screenshots
    this.shots = null; // the screenshot directory
  }

  // need returns the named state, failing the step if an earlier one did
  // not get as far as setting it.
  need(...keys) {
    const missing = keys.filter((k) => !(k in this.S));
    assert(missing.length === 0, `an earlier step did not get as far as ${missing.join(', ')}`);
    return keys.map((k) => this.S[k]);
  }

  async step(name, fn) {
    const t0 = Date.now();
    try {
      await fn();
      this.passed++;
      console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (err) {
      this.failed++;
      console.log(`FAIL ${name}: ${err?.stack?.split('\n').slice(0, 3).join(' | ') ?? err}`);
      if (this.page && this.shots) {
        const file = path.join(this.shots, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
        try {
          await this.page.screenshot({ path: file, fullPage: true });
          console.log(`     page was ${this.page.url()}; screenshot ${file}`);
        } catch { /* the page is gone */ }
      }
    }
  }
}
