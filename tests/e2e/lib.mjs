// lib.mjs - the harness of the browser scenarios: Debian's chromium driven
// headless by playwright-core against `regman demo` and its own opensrs-sim,
// both on OS-chosen ports.
//
//   import { scenario } from './lib.mjs';
//   const E = await scenario('name', process.argv.slice(2));
//   await E.step('what the step proves', async () => { ... });
//   await E.done();
//
// E has: base (the demo's URL), logins {admin, customer} (the demo's),
// admin and customer (pages, each in its own empty profile, signed out),
// newPage(who) for one more such page,
// sim {port, control} (the demo's opensrs-sim: XCP port, control URL),
// top (a temp dir removed at the end; the demo's data in top/demo), and
// the helpers step, shot, confirm, expectText, regmanCli, ctl (the sim's
// control API), signIn, spawn (a child stopped at the end) and waitFile.
// opts.demoArgs: more `regman demo` arguments.
// Screenshots go to SCREENSHOT_DIR/<name>-<what>.png; opts.shotPrefix
// replaces the "<name>-" (and old screenshots starting with it are removed).
// Missing chromium or playwright-core fail the test, naming what to
// install: a browser test never passes by being left out.
import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function scenario(name, argv, opts = {}) {
  const [regman, simExe, shotDir] = argv;
  if (!regman || !simExe || !shotDir) {
    console.error(`usage: ${path.basename(process.argv[1])} REGMAN OPENSRS_SIM SCREENSHOT_DIR`);
    process.exit(2);
  }
  const CHROMIUM = process.env.REGMAN_CHROMIUM || '/usr/bin/chromium';
  const missing = (what) => {
    console.log(`FAIL: ${what} (run scripts/install-e2e)`);
    process.exit(1);
  };
  let chromium;
  try {
    ({ chromium } = createRequire(import.meta.url)('playwright-core'));
  } catch {
    missing('playwright-core is not installed');
  }
  if (!fs.existsSync(CHROMIUM)) missing(`${CHROMIUM} is missing`);

  const top = fs.mkdtempSync(path.join(os.tmpdir(), `regman-${name}.`));
  const children = [];
  const browsers = [];
  const pageErrors = [];
  let stepNo = 0;
  let failShot = null;
  const shotPrefix = opts.shotPrefix ?? `${name}-`;
  const E = { top, regman, simExe, shotDir, sim: {}, shots: [] };

  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGINT');
  });
  async function stopAll() {
    for (const b of browsers.splice(0)) await b.close().catch(() => {});
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGINT');
        await new Promise((res) => {
          const t = setTimeout(() => { c.kill('SIGKILL'); res(); }, 10000);
          c.once('exit', () => { clearTimeout(t); res(); });
        });
      }
    }
    fs.rmSync(top, { recursive: true, force: true });
  }
  async function waitFile(file, needle, child, what, ms = 60000) {
    const end = Date.now() + ms;
    for (;;) {
      try {
        const t = fs.readFileSync(file, 'utf8');
        if (t.includes(needle)) return t;
      } catch { /* not yet */ }
      if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
      if (Date.now() > end) throw new Error(`${what} did not become ready`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  E.step = async (what, fn) => {
    stepNo++;
    const t0 = Date.now();
    pageErrors.length = 0;
    try {
      await fn();
      if (pageErrors.length) throw new Error(`script error in the page: ${pageErrors.join('; ')}`);
      console.log(`ok ${stepNo} - ${what} (${Date.now() - t0} ms)`);
    } catch (e) {
      console.log(`FAIL ${stepNo} - ${what}: ${e.message.split('\n')[0]}`);
      if (failShot) await failShot(`FAILED-${String(stepNo).padStart(2, '0')}`).catch(() => {});
      if (process.env.E2E_DEBUG) console.log(e.stack);
      await stopAll();
      process.exit(1);
    }
  };
  fs.mkdirSync(shotDir, { recursive: true });
  for (const f of fs.readdirSync(shotDir)) {
    if (f.startsWith(shotPrefix) && f.endsWith('.png')) fs.unlinkSync(path.join(shotDir, f));
  }
  E.shot = async (page, what) => {
    const file = path.join(shotDir, `${shotPrefix}${what}.png`);
    await page.screenshot({ path: file, fullPage: true });
    E.shots.push(file);
  };
  // confirm - press a button of the open dialog and wait until THAT
  // dialog is gone (another one may open right after).
  let dialogSeq = 0;
  E.confirm = async (page, buttonName) => {
    const dlg = page.locator('dialog[open]');
    await dlg.waitFor();
    const mark = `dlg${++dialogSeq}`;
    await dlg.evaluate((d, m) => d.setAttribute('data-e2e', m), mark);
    await dlg.getByRole('button', { name: buttonName }).click();
    await page.locator(`dialog[data-e2e="${mark}"]`).waitFor({ state: 'detached' });
  };
  E.expectText = (locator, text, timeout = 15000) =>
    locator.filter({ hasText: text }).first().waitFor({ timeout });
  // regmanCli - `regman ARGS -c <the demo's regman.conf>`: its output.
  // A last argument {stdin: TEXT} is written to its standard input (e.g.
  // for --password-stdin).
  E.regmanCli = (...args) => new Promise((resolve, reject) => {
    const opt = typeof args[args.length - 1] === 'object' ? args.pop() : {};
    const child = execFile(regman, [...args, '-c', path.join(top, 'demo', 'regman.conf')], (e, out, err) => {
      if (e) reject(new Error(`regman ${args.join(' ')}: ${err || e.message}`));
      else resolve(out);
    });
    // a regman that exits before reading its input (a refusal, or a
    // command that reads none) closes the pipe: EPIPE here is no failure,
    // the exit status and output above tell the result
    child.stdin.on('error', (e) => { if (e.code !== 'EPIPE') reject(e); });
    child.stdin.end(opt.stdin ?? '');
  });
  // ctl - the sim's control API: its JSON answer.
  E.ctl = async (method, p, body) => {
    const res = await fetch(`${E.sim.control}${p}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`sim ${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // spawn - start a child process that the end of the scenario stops.
  E.spawn = (cmd, args, options) => {
    const c = spawn(cmd, args, options);
    children.push(c);
    return c;
  };
  // waitFile - the text of a ready file once it holds needle.
  E.waitFile = waitFile;
  E.done = async () => {
    await stopAll();
    console.log(`${stepNo} steps passed; ${E.shots.length} screenshots in ${shotDir}`);
  };

  await E.step('start regman demo (with its own opensrs-sim)', async () => {
    const ready = path.join(top, 'demo.ready');
    const out = fs.openSync(path.join(top, 'demo.out'), 'w');
    const demo = spawn(regman, ['demo', '--dir', path.join(top, 'demo'), '--port', '0',
      '--ready-file', ready, ...(opts.demoArgs || [])],
    { stdio: ['ignore', out, out], env: Object.assign({}, process.env, { REGMAN_SIM: simExe }) });
    children.push(demo);
    const t = await waitFile(ready, 'listen=', demo, 'regman demo');
    E.base = `http://127.0.0.1:${/:(\d+)\s*$/.exec(t.trim())[1]}`;
    E.logins = Object.fromEntries(fs.readFileSync(path.join(top, 'demo', 'demo-logins.txt'), 'utf8')
      .trim().split('\n').map((l) => l.split(/\s+/)));
    if (!E.logins.admin || !E.logins.customer) throw new Error('demo-logins.txt lacks the logins');
    const st = fs.readFileSync(path.join(top, 'demo', 'sim.ready'), 'utf8');
    E.sim.port = Number(/listen=(?:\S*):(\d+)/.exec(st)[1]);
    E.sim.legacyPort = Number(/legacy=(?:\S*):(\d+)/.exec(st)[1]);
    E.sim.control = `http://127.0.0.1:${/control=127\.0\.0\.1:(\d+)/.exec(st)[1]}`;
  });
  // newPage - a page in a browser profile of its own (empty, signed out);
  // its failing step's screenshot is taken too.
  const extraPages = [];
  const mk = async (who) => {
    const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(top, `chromium-${who}-`)), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 860 },
    });
    browsers.push(ctx);
    const page = ctx.pages()[0] || await ctx.newPage();
    page.setDefaultTimeout(20000);
    page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
    return page;
  };
  E.newPage = async (who) => {
    const page = await mk(who);
    extraPages.push([who, page]);
    return page;
  };
  await E.step('launch Debian chromium headless (admin and customer profiles)', async () => {
    E.admin = await mk('admin');
    E.customer = await mk('customer');
    failShot = async (n) => {
      await E.shot(E.admin, `${n}-admin`);
      await E.shot(E.customer, `${n}-customer`);
      for (const [who, page] of extraPages) await E.shot(page, `${n}-${who}`);
    };
  });
  // signIn - page signs in as user (admin panel for 'admin').
  E.signIn = async (page, user, password) => {
    await page.goto(user === 'admin' ? `${E.base}/admin/` : `${E.base}/#/login`);
    await page.fill('#login-username', user);
    await page.fill('#login-password', password);
    await page.click('button[type=submit]');
  };
  return E;
}
