// https.test.mjs — the same flow through real nginx over HTTPS: a local CA
// and a certificate made with docs/https.md's openssl commands, nginx with
// docs/nginx.conf's server block on 127.0.0.1:<free port>, Chromium that
// trusts the certificate by its public key (pinned with
// --ignore-certificate-errors-spki-list, not by ignoring errors: without
// the pin the same page is refused). The page must come over https, the
// events WebSocket over wss, and the events must arrive; a user shell in
// the Terminal tab runs over wss too.
// Screenshots: build/test-artifacts/https-*.png.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { removeTempDir, launchBrowser, navigate, shot, makeCertificate, startFakeLLM, startNginx, startServe, tempDir, watch, WAIT_MS } from './lib.mjs';
import { reloadHistory, script, setLLM, startTask, stepper, userShell } from './flow.mjs';

const TAG = 'e2e-https';
const TASK = 'Create e2e-https.txt and show it';

describe('the web UI behind nginx over HTTPS', () => {
  let dir, cert, llm, serve, nginx, browser, page, base, id;
  const sink = { errors: [], sockets: [] };
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'https-FAILED')}`); });

  before(async () => {
    dir = tempDir('https');
    cert = makeCertificate(dir);
    llm = await startFakeLLM(dir, script(TAG));
    serve = await startServe(dir);
    nginx = await startNginx(dir, { cert: cert.cert, key: cert.key, upstreamPort: serve.port });
    base = `https://localhost:${nginx.port}/`;
    browser = await launchBrowser([`--ignore-certificate-errors-spki-list=${cert.spki}`]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(context, sink);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await serve?.stop();
    await llm?.stop();
    removeTempDir(dir, step.allPassed());
  });

  step('0. without the pin Chromium refuses the certificate (the pin is what trusts it)', async () => {
    const plain = await launchBrowser();
    try {
      const p = await plain.newPage();
      await assert.rejects(navigate(() => p.goto(base, { timeout: WAIT_MS })), /ERR_CERT_AUTHORITY_INVALID|ERR_CERT/);
    } finally {
      await plain.close();
    }
  });
  step('1. settings over https: the fake LLM set and saved; Test shows its answer', async () => {
    const r = await navigate(() => page.goto(base));
    const sec = await r.securityDetails();
    assert.ok(sec, 'no TLS details: the page did not come over TLS');
    assert.match(sec.issuer, /handbox local CA/);
    assert.equal(sec.subjectName, 'handbox.home.local');
    await setLLM(page, base, llm, 'https');
    assert.ok(page.url().startsWith(base), page.url());
  });
  step('2. a task over https: the events arrive over wss', async () => {
    id = await startTask(page, TAG, TASK, 'https', sink.sockets);
    assert.equal(new URL(page.url()).protocol, 'https:');
    const ws = sink.sockets.filter((s) => s.url.includes(`/sockets/events/${id}`));
    assert.ok(ws.every((s) => s.url.startsWith(`wss://localhost:${nginx.port}/sockets/events/`)),
      `the events WebSocket is not wss through nginx: ${JSON.stringify(ws)}`);
    assert.ok(ws.some((s) => s.received >= 5), `too few events over wss: ${JSON.stringify(ws)}`);
  });
  step('3. reload over https: the history is there', () => reloadHistory(page, TAG, TASK, 'https'));
  step('4. a user shell in the terminal tab, over wss through nginx', async () => {
    await userShell(page, 'https');
    const shells = sink.sockets.filter((s) => s.url.includes('/sandboxd/api/handbox/exec'));
    assert.ok(shells.length && shells.every((s) => s.url.startsWith(`wss://localhost:${nginx.port}/api/sandboxes/`)),
      `the shell's WebSocket is not wss through nginx: ${JSON.stringify(shells)}`);
  });
  step('5. no console errors and no page errors over https', () => {
    assert.deepEqual(sink.errors, []);
  });
});
