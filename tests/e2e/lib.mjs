// lib.mjs — the real parts the browser tests put together: the scripted
// LLM (tests/lib/fake_llm.py), `build/handbox serve` on a free port with a
// private state directory, Debian's Chromium driven by playwright-core, a
// local CA made with docs/https.md's own commands and nginx with a config
// derived from docs/nginx.conf. Each start returns something with stop().
import { spawn, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const abs = (p) => path.resolve(ROOT, p);
export const HANDBOX = abs(process.env.HANDBOX || 'build/handbox');
export const SANDBOXD = abs(process.env.SANDBOXD || 'build/handbox-sandboxd');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const NGINX = process.env.NGINX || 'nginx';
export const IMAGE = process.env.E2E_IMAGE || 'handbox/sandbox:latest';
export const ARTIFACTS = abs(process.env.E2E_ARTIFACTS || 'build/test-artifacts');
// how long a step may wait for the UI (a cold sandbox start included)
export const WAIT_MS = Number(process.env.E2E_WAIT_MS || 90000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tempDir(name) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `handbox-e2e-${name}-`));
  fs.chmodSync(d, 0o755);   // nginx's workers (nobody) write their temp files below
  return d;
}

// The temp directory of a test file: removed when every step passed (and
// E2E_KEEP is not set), else kept and named for its logs.
export function removeTempDir(dir, allPassed) {
  if (!dir) return;
  if (allPassed && !process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`# state and logs kept in ${dir}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The process's output so far, for failure messages.
function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

async function stopProc(proc, ms = 30000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  let timer;
  const late = new Promise((r) => { timer = setTimeout(() => r(true), ms); });
  const killed = await Promise.race([done.then(() => false), late]);
  clearTimeout(timer);
  if (!killed) return;
  proc.kill('SIGKILL');
  await done;
}

// Wait until test() (maybe async) is true, or the process exits.
async function waitFor(what, proc, log, test, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await test();
    if (v) return v;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${tail(log)}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${ms / 1000} s:\n${tail(log)}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- the LLM
// A tool call turn of fake_llm.py's script.
export const call = (name, args) => ({ tool_calls: [{ name, arguments: args }] });

// python3 tests/lib/fake_llm.py --script FILE: its base URL is its first line.
export async function startFakeLLM(dir, script, { model = 'e2e-model' } = {}) {
  const file = path.join(dir, 'llm-script.json');
  fs.writeFileSync(file, JSON.stringify(script, null, 1));
  const log = path.join(dir, 'fake-llm.log');
  const out = fs.openSync(log, 'a');
  const proc = spawn('python3', [path.join(ROOT, 'tests/lib/fake_llm.py'), '--script', file, '--model', model],
    { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = await waitFor('the fake LLM', proc, log, () => {
    const first = fs.readFileSync(log, 'utf8').split('\n')[0];
    return /^http:\/\/\S+\/v1$/.test(first) ? first : null;
  });
  return { url, model, log, stop: () => stopProc(proc) };
}

// ------------------------------------------------------------------ serve
// build/handbox serve on a free port, its state in dir/state. No LLM in
// its environment: the test sets it through the settings page.
export async function startServe(dir, { args = [], env = {} } = {}) {
  if (!fs.existsSync(HANDBOX)) throw new Error(`${HANDBOX}: no such file (run make first, or set HANDBOX)`);
  const state = path.join(dir, 'state');
  fs.mkdirSync(state, { recursive: true });
  const port = await freePort();
  const log = path.join(dir, 'serve.log');
  const e = { ...process.env };
  for (const k of Object.keys(e)) {
    if (/^(LLM_|HANDBOX_|SANDBOX_)/.test(k) || k === 'RUNTIME') delete e[k];
  }
  Object.assign(e, {
    HANDBOX_STATE_DIR: state,
    HANDBOX_SANDBOXD: SANDBOXD,
    SANDBOX_RUNTIME_CONTAINER_IMAGE: IMAGE,
    LLM_RETRY_MIN_WAIT: '0.2',
  }, env);
  const out = fs.openSync(log, 'a');
  const proc = spawn(HANDBOX, ['serve', '--port', String(port), ...args], { env: e, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = await waitFor('handbox serve', proc, log, () => {
    const m = /listening; open (\S+)/.exec(fs.readFileSync(log, 'utf8'));
    return m ? m[1].replace(/\/?$/, '/') : null;
  });
  return {
    url, port, state, log, env: e,
    async stop() {
      await stopProc(proc, 60000);
      removeSandboxes(state, e);
    },
  };
}

// The sandboxes this state directory's server made (its owner id), also
// those a failed test left.
function removeSandboxes(state, env) {
  const idFile = path.join(state, 'server-id');
  if (!fs.existsSync(idFile)) return;
  const owner = fs.readFileSync(idFile, 'utf8').trim();
  try {
    const ls = JSON.parse(execFileSync(HANDBOX, ['sandbox', 'ls', '--json'], { env, encoding: 'utf8' }));
    const ids = ls.filter((s) => s.owner === owner).map((s) => s.id);
    if (ids.length) execFileSync(HANDBOX, ['sandbox', 'rm', ...ids], { env, stdio: 'ignore' });
  } catch (err) {
    console.error(`e2e: could not remove the sandboxes of ${state}: ${err.message}`);
  }
}

// --------------------------------------------------------------- Chromium
export async function launchBrowser(extraArgs = []) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM}: no such file (apt-get install chromium, or set CHROMIUM)`);
  // --no-sandbox: root (CI) cannot use Chromium's own sandbox
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', ...extraArgs] });
}

// The parts most test files need: a temp directory, the scripted LLM
// with script, serve (extra args; llmInEnv: the LLM in its environment
// rather than set in Settings), Chromium and a page at 1280×800 (more
// context options in context) whose errors and sockets go to sink. When
// one part fails to start, those started are stopped and the error
// thrown. stopParts() ends them.
export async function startParts(name, script, sink, { serveArgs = [], llmInEnv = false, context = {} } = {}) {
  const p = { dir: tempDir(name) };
  try {
    p.llm = await startFakeLLM(p.dir, script);
    p.serve = await startServe(p.dir, { args: serveArgs, env: llmInEnv ? { LLM_BASE_URL: p.llm.url, LLM_MODEL: p.llm.model } : {} });
    p.browser = await launchBrowser();
    p.context = await p.browser.newContext({ viewport: { width: 1280, height: 800 }, ...context });
    watch(p.context, sink);
    p.page = await p.context.newPage();
    return p;
  } catch (e) {
    await stopParts(p, false);
    throw e;
  }
}

export async function stopParts(p, allPassed) {
  if (!p) return;
  await p.browser?.close();
  await p.serve?.stop();
  await p.llm?.stop();
  removeTempDir(p.dir, allPassed);
}

// Page errors and console.error of every page of a context, for the
// "no console errors" check, and each page's WebSockets (url, frames
// received), into sink's arrays (shared by several contexts). An app
// opened through the port proxy ({port}-{sandbox}.… host) is the agent's
// work, not the UI: its own errors (python's http.server has no
// favicon.ico) are not counted.
const isApp = (url) => /^\d+-[0-9a-f]+\./.test(new URL(url).hostname);
export function watch(context, sink = { errors: [], sockets: [] }) {
  const onPage = (page) => {
    page.on('pageerror', (e) => sink.errors.push(`pageerror on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !isApp(page.url())) sink.errors.push(`console.error on ${page.url()}: ${m.text()}`);
    });
    page.on('websocket', (ws) => {
      const s = { url: ws.url(), received: 0, closed: false };
      sink.sockets.push(s);
      ws.on('framereceived', () => { s.received++; });
      ws.on('close', () => { s.closed = true; });
    });
  };
  context.on('page', onPage);
  for (const p of context.pages()) onPage(p);
  return sink;
}

// Chromium aborts a navigation with net::ERR_NETWORK_CHANGED when a
// network interface comes or goes, and Docker adds one for each sandbox's
// network: as a person would, the test asks again (any other failure is
// thrown at once). go() is the navigation: () => page.goto(url).
export async function navigate(go, tries = 3) {
  for (let i = 1; ; i++) {
    try {
      return await go();
    } catch (e) {
      if (i >= tries || !/ERR_NETWORK_CHANGED/.test(e.message)) throw e;
      console.log(`# the network changed during a navigation (${i}/${tries}): again`);
    }
  }
}

export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // a full-page shot of a scrolled page draws its sticky bars mid-page
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Elements that stick out of the viewport on the right without a scroll
// container of their own, and the page's own horizontal overflow.
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const out = [];
    const se = document.scrollingElement;
    if (se.scrollWidth > vw + 1) out.push(`the page is ${se.scrollWidth} px wide for a ${vw} px viewport`);
    for (const sel of ['body', 'main', '.conv', '.conv-head', '.conv-body', '.conv-main', '.scroller', '.transcript', '.composer']) {
      const el = document.querySelector(sel);
      if (el && el.scrollWidth > el.clientWidth + 1) out.push(`${sel} scrolls sideways: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
    }
    const clips = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible' && ox !== 'clip' && p.getBoundingClientRect().right <= vw + 1) return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > vw + 1 && !clips(el) && getComputedStyle(el).position !== 'fixed') {
        const cls = el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        out.push(`<${el.tagName.toLowerCase()}${cls}> ends at ${Math.round(r.right)} px`);
        if (out.length > 12) break;
      }
    }
    return out;
  });
}

// ----------------------------------------------------- HTTPS: CA and nginx
// docs/https.md's section 1, run as written with HOME=dir: the CA and the
// certificate in dir/handbox-ca.
export function makeCertificate(dir) {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/https.md'), 'utf8');
  const sec = doc.split(/^## /m).find((s) => s.startsWith('1.'));
  const m = sec && /```sh\n([\s\S]*?)```/.exec(sec);
  if (!m) throw new Error('docs/https.md: no ```sh block under "## 1." (the CA and the certificate)');
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', m[1]],
    { env: { ...process.env, HOME: dir }, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ca = path.join(dir, 'handbox-ca');
  if (!/handbox\.pem: OK/.test(out)) throw new Error(`docs/https.md's openssl verify did not say OK:\n${out}`);
  const cert = path.join(ca, 'handbox.pem');
  const x = new X509Certificate(fs.readFileSync(cert));
  const spki = createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return { dir: ca, cert, key: path.join(ca, 'handbox.key'), caCert: path.join(ca, 'ca.pem'), spki };
}

// One replacement in docs/nginx.conf that must happen: a change of the
// doc that breaks the derivation fails here, by name.
function must(text, from, to, what) {
  const next = text.replace(from, to);
  if (next === text) throw new Error(`docs/nginx.conf: cannot derive the test config: no ${what}`);
  return next;
}

// nginx in the foreground with docs/nginx.conf's server block on
// 127.0.0.1:<free port>, the certificate of makeCertificate, and serve's
// port instead of 3000. The port 80 redirect is left out.
export async function startNginx(dir, { cert, key, upstreamPort }) {
  const port = await freePort();
  let conf = fs.readFileSync(path.join(ROOT, 'docs/nginx.conf'), 'utf8');
  conf = must(conf, /server\s*\{\s*listen 80;[^}]*\}/, '', 'port 80 server block');
  conf = must(conf, /listen 443 ssl;/, `listen 127.0.0.1:${port} ssl;`, '"listen 443 ssl;"');
  conf = must(conf, /ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`, 'ssl_certificate');
  conf = must(conf, /ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`, 'ssl_certificate_key');
  conf = must(conf, /proxy_pass http:\/\/127\.0\.0\.1:3000;/, `proxy_pass http://127.0.0.1:${upstreamPort};`, 'proxy_pass to 127.0.0.1:3000');
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    fs.mkdirSync(path.join(prefix, t), { recursive: true });
    fs.chmodSync(path.join(prefix, t), 0o777);
  }
  fs.writeFileSync(path.join(prefix, 'handbox.conf'), conf);
  const main = path.join(prefix, 'nginx.conf');
  const log = path.join(prefix, 'error.log');
  fs.writeFileSync(main, `# the test's nginx: docs/nginx.conf in a private prefix
daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${log} info;
events { worker_connections 256; }
http {
    access_log ${prefix}/access.log;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    include ${prefix}/handbox.conf;
}
`);
  const out = fs.openSync(log, 'a');
  const proc = spawn(NGINX, ['-p', prefix, '-c', main], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  await waitFor('nginx', proc, log, () => canConnect(port), 15000);
  return { port, prefix, log, stop: () => stopProc(proc) };
}

// Does something listen on 127.0.0.1:port?
function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}
