// vite.test.mjs — a real Vite dev server that the agent starts in its
// sandbox, opened from the conversation's sandbox panel through serve's
// sub-domain proxy, with hot module replacement: a file changed on the
// host shows in the open page without a reload, so Vite's `vite-hmr`
// WebSocket went through serve and sandboxd. Then the same through nginx
// (docs/nginx.conf as shipped, its names kept) over HTTPS with the wildcard
// sub-domain {port}-{sandbox}.handbox.home.local: the link, the page over
// TLS and HMR over wss. serve runs with an API key, so the sub-domains get
// their cookie through the open link (docs/serve.md).
//
// Sandboxes cannot reach a registry, so the fixture tests/e2e/vite-app is
// copied to the temp directory, installed there on this host (`npm ci`,
// pinned by its package-lock.json) and mounted as the sandbox's
// /workspace. Screenshots: build/test-artifacts/vite-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { call, launchBrowser, makeCertificate, navigate, removeTempDir, ROOT, shot, startFakeLLM, startNginx, startServe, tempDir, watch, WAIT_MS } from './lib.mjs';
import { see, setLLM, stepper, TEST_ANSWER } from './flow.mjs';

const TASK = 'Serve the Vite app in /workspace on port 5173';
const PORT = 5173;
const FIRST = 'Hello from Vite in a handbox sandbox';
// what docs/nginx.conf's server_name and docs/https.md's certificate name
const NAME = 'handbox.home.local';

// The agent starts Vite in the background (so that the terminal call
// returns), waits for its port, shows its log and finishes.
const SCRIPT = [
  { content: TEST_ANSWER },
  call('terminal', { command: `cd /workspace && nohup npx vite --host 0.0.0.0 --port ${PORT} >/tmp/vite.log 2>&1 </dev/null &` }),
  call('terminal', {
    command: `timeout 120 bash -c 'until (exec 3<>/dev/tcp/127.0.0.1/${PORT}) 2>/dev/null; do sleep 0.5; done'; cat /tmp/vite.log`,
    timeout: 180,
  }),
  call('finish', { message: `Vite serves /workspace on port ${PORT}.` }),
];

// tests/e2e/vite-app copied to dir/app and installed there (the host's npm
// and registry), writable by the sandbox's user (Vite writes its cache
// under node_modules/.vite). Returns the app's path and npm ci's time.
function installApp(dir) {
  const app = path.join(dir, 'app');
  fs.cpSync(path.join(ROOT, 'tests/e2e/vite-app'), app, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'node_modules',
  });
  const t0 = process.hrtime.bigint();
  try {
    // no install scripts: esbuild's only checks the binary npm picked;
    // npm's cache, once filled, serves without the registry
    execFileSync('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`npm ci in ${app} failed (is the npm registry reachable from this host?):\n${e.stderr || e.message}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  execFileSync('chmod', ['-R', 'a+rwX', app]);
  return { app, seconds };
}

// The sign-in page of a server with a key: the key typed, Enter. Opened
// by its address: "/" would get there too, after its first API calls were
// answered 401, which Chromium logs as console errors.
async function signIn(page, base, key) {
  await navigate(() => page.goto(new URL('login', base).href));
  await page.locator('#login-key').fill(key);
  await page.locator('#login-key').press('Enter');
  await see(page, '#task');
}

// The port's row in the sandbox panel of the conversation page.
async function portRow(page) {
  const row = page.locator('.ports li.port', { has: page.locator('.port-num', { hasText: `:${PORT}` }) }).first();
  await row.waitFor({ state: 'visible', timeout: WAIT_MS });
  return row;
}

// "Open ↗" of the port's row: the app in a new tab. Returns the tab.
async function openPort(page, row) {
  const [tab] = await Promise.all([
    page.context().waitForEvent('page', { timeout: WAIT_MS }),
    row.locator('a.port-link').click(),
  ]);
  await tab.waitForLoadState('load', { timeout: WAIT_MS });
  return tab;
}

// Rewrite message.js on the host, as an editor would.
function setMessage(app, text) {
  fs.writeFileSync(path.join(app, 'message.js'), `export const message = ${JSON.stringify(text)};\n`);
}

describe('a Vite dev server in the sandbox, with HMR through the sub-domain proxy', () => {
  const key = randomBytes(24).toString('hex');
  let dir, app, cert, llm, serve, nginx, browser, context, page, id, sandbox, plainTab, tlsTab;
  const sink = { errors: [], sockets: [] };
  const logs = [];   // every console message: { url, type, text }
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'vite-FAILED')}`); });
  const vite = (tab, text) => logs.some((m) => m.url.startsWith(new URL('/', tab.url()).href) && m.text.includes(text));
  const hmrSockets = (origin) => sink.sockets.filter((s) => s.url.startsWith(origin));

  before(async () => {
    dir = tempDir('vite');
    let seconds;
    ({ app, seconds } = installApp(dir));
    console.log(`# npm ci of the Vite app: ${seconds.toFixed(1)} s`);
    cert = makeCertificate(dir);
    llm = await startFakeLLM(dir, SCRIPT);
    serve = await startServe(dir, { env: { HANDBOX_API_KEY: key } });
    nginx = await startNginx(dir, { cert: cert.cert, key: cert.key, upstreamPort: serve.port });
    browser = await launchBrowser([
      `--ignore-certificate-errors-spki-list=${cert.spki}`,
      // the wildcard name as a DNS server would answer it
      `--host-resolver-rules=MAP ${NAME} 127.0.0.1, MAP *.${NAME} 127.0.0.1`,
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(context, sink);
    context.on('console', (m) => logs.push({ url: m.page()?.url() || '', type: m.type(), text: m.text() }));
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await serve?.stop();
    await llm?.stop();
    removeTempDir(dir, step.allPassed());
  });

  step('1. sign in with the key; the fake LLM set and saved', async () => {
    await signIn(page, serve.url, key);
    await setLLM(page, serve.url, llm, 'vite');
  });

  step('2. a task with the app mounted on /workspace (Advanced): the agent starts Vite', async () => {
    await page.locator('nav a[data-nav="list"]').click();
    await page.locator('#task').fill(TASK);
    await page.locator('details.advanced summary').click();
    await page.locator('#mounts').fill(`${app}:/workspace:rw`);
    await page.locator('#task').press('Enter');
    await page.waitForURL(/\/conversations\/[^/]+$/, { timeout: WAIT_MS });
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    await see(page, '.tool.terminal pre.output', /VITE v5\.4\.\d+\s+ready/);
    await see(page, '.tool.finish', `Vite serves /workspace on port ${PORT}.`);
    await see(page, '.statusline.finished', 'Waiting for task');
    await shot(page, 'vite-2-started');
  });

  step(`3. the sandbox panel lists :${PORT} with its sub-domain; Open shows the app, Vite's client connected`, async () => {
    const row = await portRow(page);
    const href = await row.locator('a.port-link').getAttribute('href');
    sandbox = new RegExp(`^api/sandboxes/([0-9a-f]{12})/open/${PORT}$`).exec(href || '')?.[1];
    assert.ok(sandbox, `the port link is "${href}", expected api/sandboxes/{id}/open/${PORT}`);
    const sub = `http://${PORT}-${sandbox}.localhost:${serve.port}/`;
    assert.equal((await row.locator('code.url').innerText()).trim(), sub);
    await shot(page, 'vite-3a-panel');
    plainTab = await openPort(page, row);
    // the key went to the sub-domain's cookie and out of the address
    assert.equal(plainTab.url(), sub);
    await seeCookie(context, sub, false);
    await see(plainTab, '#app', FIRST);
    await waitUntil(() => vite(plainTab, '[vite] connected.'), `"[vite] connected." in the console of ${sub}`);
    const ws = hmrSockets(`ws://${PORT}-${sandbox}.localhost:${serve.port}/`);
    assert.ok(ws.length && ws.every((s) => !s.closed), `Vite's HMR WebSocket through serve: ${JSON.stringify(sink.sockets)}`);
    await shot(plainTab, 'vite-3b-app');
  });

  step('4. HMR: message.js changed on the host shows without a reload', async () => {
    await plainTab.evaluate(() => { window.__hmr_marker = 1; });
    setMessage(app, 'Changed on the host, hot-replaced');
    await see(plainTab, '#app', 'Changed on the host, hot-replaced');
    assert.equal(await plainTab.evaluate(() => window.__hmr_marker), 1, 'the page was reloaded: the marker is gone');
    await waitUntil(() => vite(plainTab, '[vite] hot updated: /main.js'), '"[vite] hot updated: /main.js" in the console');
    await shot(plainTab, 'vite-4-hmr');
  });

  step(`5. through nginx over HTTPS: the link is https://${PORT}-{id}.${NAME}:{port}/, the app over TLS`, async () => {
    const base = `https://${NAME}:${nginx.port}/`;
    const tls = await context.newPage();
    await signIn(tls, base, key);
    await navigate(() => tls.goto(new URL(`conversations/${encodeURIComponent(id)}`, base).href));
    const row = await portRow(tls);
    const sub = `https://${PORT}-${sandbox}.${NAME}:${nginx.port}/`;
    assert.equal((await row.locator('code.url').innerText()).trim(), sub);
    await shot(tls, 'vite-5a-https-panel');
    tlsTab = await openPort(tls, row);
    assert.equal(tlsTab.url(), sub);
    await seeCookie(context, sub, true);
    await see(tlsTab, '#app', 'Changed on the host, hot-replaced');
    const sec = await (await navigate(() => tlsTab.reload())).securityDetails();
    assert.match(sec?.issuer || '', /handbox local CA/, 'the app did not come over nginx\'s TLS');
    await see(tlsTab, '#app', 'Changed on the host, hot-replaced');
    await waitUntil(() => vite(tlsTab, '[vite] connected.'), `"[vite] connected." in the console of ${sub}`);
    const wss = hmrSockets(`wss://${PORT}-${sandbox}.${NAME}:${nginx.port}/`);
    assert.ok(wss.some((s) => !s.closed), `Vite's HMR WebSocket over wss through nginx: ${JSON.stringify(sink.sockets)}`);
    await shot(tlsTab, 'vite-5b-https-app');
    await tls.close();
  });

  step('6. HMR over wss, and in the plain page too: both change, neither reloads', async () => {
    await tlsTab.evaluate(() => { window.__hmr_marker = 2; });
    setMessage(app, 'Changed again, over wss too');
    await see(tlsTab, '#app', 'Changed again, over wss too');
    await see(plainTab, '#app', 'Changed again, over wss too');
    assert.equal(await tlsTab.evaluate(() => window.__hmr_marker), 2, 'the https page was reloaded');
    assert.equal(await plainTab.evaluate(() => window.__hmr_marker), 1, 'the http page was reloaded');
    await shot(tlsTab, 'vite-6-https-hmr');
  });

  step('7. no console errors and no page errors (the UI and the app, both ways)', () => {
    // watch() leaves out the console errors of an app's pages (the agent's
    // work, not the UI's); here the app is the fixture, and its errors
    // ("[vite] failed to connect to websocket") are what this test is about
    const consoleErrors = logs.filter((m) => m.type === 'error').map((m) => `console.error on ${m.url}: ${m.text}`);
    assert.deepEqual([...new Set([...sink.errors, ...consoleErrors])], []);
  });
});

// The key's cookie of a sub-domain (docs/serve.md): that host's only,
// HttpOnly, Secure over https.
async function seeCookie(context, url, secure) {
  const host = new URL(url).hostname;
  const cookies = (await context.cookies(url)).filter((c) => c.name === 'handbox_session');
  assert.equal(cookies.length, 1, `the cookies of ${url}: ${JSON.stringify(cookies)}`);
  const [c] = cookies;
  assert.deepEqual({ domain: c.domain, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite },
    { domain: host, httpOnly: true, secure, sameSite: 'Lax' }, `the sub-domain's cookie: ${JSON.stringify(c)}`);
}

// Poll test() until true (the UI's own waits are locators; these are
// console messages).
async function waitUntil(test, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not seen after ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
