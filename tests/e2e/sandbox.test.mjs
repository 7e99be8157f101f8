// sandbox.test.mjs — the conversation's Terminal and Files tabs in
// headless Chromium, with real parts: `build/handbox serve` with an API
// key (so every passthrough request and socket is authorized by the
// sign-in cookie), a Docker sandbox and the scripted LLM, whose agent runs
// one command in its terminal. The agent's terminal shows that command
// and its output; a user shell runs what is typed and shows its exit; the
// file browser lists the workspace, moves about, downloads a file (its
// bytes checked), uploads one with the picker and one by drag and drop
// (checked through the API), and shows an upload's error. At 1280×800 and
// at a phone's width; no console errors. Screenshots:
// build/test-artifacts/sandbox-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe } from 'node:test';
import { call, horizontalOverflow, navigate, shot, startParts, stopParts, WAIT_MS, watch } from './lib.mjs';
import { see, stepper } from './flow.mjs';

const KEY = 'e2e-sandbox-key-0123456789';
const TASK = 'Leave a few files and show me';
const AGENT_CMD = 'mkdir -p /workspace/sub/deeper && printf \'data-%s\\n\' 1 2 3 > /workspace/from-agent.txt && echo agent-term-$((20+22))';
const AGENT_FILE = 'data-1\ndata-2\ndata-3\n';
// every byte value, and more than one read's worth
const UPLOAD = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(70000, 0xa5)]);

// the visible terminal's text (xterm draws spaces as no-break spaces)
const TERM = '.term-box:not([hidden]) .xterm-rows';
const termText = async (page) => (await page.locator(TERM).innerText()).replace(/\u00a0/g, ' ').replace(/ +$/gm, '');

describe('the sandbox\'s terminal and files', () => {
  let parts, serve, browser, context, page, id, sandbox;
  const sink = { errors: [], sockets: [] };
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'sandbox-FAILED')}`); });
  const passthrough = (route, q) => `api/sandboxes/${sandbox}/sandboxd/${route}${q ? `?${new URLSearchParams(q)}` : ''}`;

  before(async () => {
    parts = await startParts('sandbox', [
      call('terminal', { command: AGENT_CMD }),
      call('finish', { message: 'Files left in /workspace.' }),
    ], sink, { serveArgs: ['--api-key', KEY], llmInEnv: true, context: { acceptDownloads: true } });
    ({ serve, browser, context, page } = parts);
  });

  after(() => stopParts(parts, step.allPassed()));

  step('1. signed in, a task runs: the agent runs its command', async () => {
    await navigate(() => page.goto(new URL('login', serve.url).href));
    await page.locator('#login-key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page, '#task');
    await page.locator('#task').fill(TASK);
    await page.locator('#task').press('Enter');
    await page.waitForURL(/\/conversations\/[^/]+$/, { timeout: WAIT_MS });
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    await see(page, '.tool.terminal pre.output', 'agent-term-42');
    await see(page, '.statusline.finished', 'Waiting for task');
    const info = await (await page.request.get(new URL(`api/conversations/${id}`, serve.url).href)).json();
    sandbox = info.sandbox_id;
    assert.match(sandbox || '', /^[0-9a-f]{12}$/, JSON.stringify(info));
  });

  step('2. the Terminal tab shows the agent\'s command and its output, read-only', async () => {
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await see(page, '.term-box:not([hidden]) .xterm-rows', 'agent-term-42');
    const text = await termText(page);
    assert.ok(text.includes('$ mkdir -p /workspace/sub/deeper'), text);
    await see(page, '.term-note', /Watching the agent's shell/);
    const urls = sink.sockets.map((s) => s.url);
    assert.ok(urls.some((u) => /\/sandboxd\/api\/handbox\/sessions\/[^/]+\/watch$/.test(u)), urls.join(' '));
    // nothing of the sandbox's own key or port in the page's sockets
    assert.ok(urls.every((u) => new URL(u).port === String(serve.port)), urls.join(' '));
    await shot(page, 'sandbox-1-agent-terminal');
  });

  step('3. "My shell": a user shell runs what is typed, follows the size, shows its exit', async () => {
    await page.getByRole('button', { name: 'My shell' }).click();
    await page.getByRole('button', { name: 'Open a shell' }).click();
    await see(page, '.term-note', /Your shell is running/);
    const nonce = String(Date.now() % 100000);
    await page.keyboard.type(`echo hello-${nonce}-$((1+1)); stty size; whoami; pwd\n`);
    await see(page, '.term-box:not([hidden]) .xterm-rows', `hello-${nonce}-2`);
    const out = await termText(page);
    const size = /^(\d+) (\d+)$/m.exec(out);
    assert.ok(size && Number(size[1]) > 10 && Number(size[2]) > 60, `stty size in the shell: ${out}`);
    assert.match(out, /^\/workspace$/m, out);
    await shot(page, 'sandbox-2-user-shell');
    // a narrower window: the shell is told the new size (a loop prints
    // it until Ctrl-C, so the new one shows whenever it arrives)
    await page.keyboard.type('while :; do stty size; sleep 0.2; done\n');
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.waitForFunction((before) => {
      const t = document.querySelector('.term-box:not([hidden]) .xterm-rows').innerText.replace(/\u00a0/g, ' ').replace(/ +$/gm, '');
      return [...t.matchAll(/^(\d+) (\d+)$/gm)].some((m) => Number(m[2]) < Number(before));
    }, size[2], { timeout: WAIT_MS });
    await page.keyboard.press('Control+C');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.type('exit 3\n');
    await see(page, '.term-box:not([hidden]) .xterm-rows', 'the shell ended: exit code 3');
    await see(page, 'button', 'Open a new shell');
  });

  step('4. the Files tab lists the workspace, moves about, downloads a file byte for byte', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    await see(page, 'table.files a.entry', 'from-agent.txt');
    await see(page, '.crumbs .crumb.here', 'workspace');
    const size = await page.locator('table.files tr', { hasText: 'from-agent.txt' }).locator('td.size').innerText();
    assert.equal(size.trim(), `${AGENT_FILE.length} B`);
    await page.locator('table.files button.entry', { hasText: 'sub/' }).click();
    await see(page, 'table.files button.entry', 'deeper/');
    await see(page, '.crumbs .crumb.here', 'sub');
    await page.locator('.crumbs button', { hasText: 'workspace' }).click();
    await see(page, 'table.files a.entry', 'from-agent.txt');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('table.files a.entry', { hasText: 'from-agent.txt' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'from-agent.txt');
    const saved = await download.path();
    assert.equal(fs.readFileSync(saved, 'utf8'), AGENT_FILE);
    await shot(page, 'sandbox-3-files');
  });

  step('5. uploads with the picker and by drag and drop land in the folder', async () => {
    await page.locator('#upload-files').setInputFiles({ name: 'picked.bin', mimeType: 'application/octet-stream', buffer: UPLOAD });
    await see(page, 'table.files a.entry', 'picked.bin');
    await see(page, '.upload', 'uploaded');
    const got = await page.request.get(new URL(passthrough('api/file/download', { path: '/workspace/picked.bin' }), serve.url).href);
    assert.equal(got.status(), 200);
    assert.ok(Buffer.from(await got.body()).equals(UPLOAD), 'the uploaded bytes differ');
    // drag and drop: the browser's own drop event with a file in it
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped in\n'], 'dropped.txt', { type: 'text/plain' }));
      const body = document.querySelector('.files-body');
      body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await see(page, 'table.files a.entry', 'dropped.txt');
    const dropped = await page.request.get(new URL(passthrough('api/file/download', { path: '/workspace/dropped.txt' }), serve.url).href);
    assert.equal(await dropped.text(), 'dropped in\n');
    await shot(page, 'sandbox-4-uploaded');
  });

  step('6. an upload the sandbox refuses shows why', async () => {
    await page.getByRole('button', { name: 'The root folder' }).click();
    await see(page, 'table.files button.entry', 'etc/');
    const before = sink.errors.length;
    await page.locator('#upload-files').setInputFiles({ name: 'nope.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await see(page, '.upload.failed [role="alert"]', /Permission denied/);
    // the browser logs the refused request itself: that one is expected
    const logged = sink.errors.splice(before);
    assert.ok(logged.every((e) => /status of 403/.test(e)), logged.join('\n'));
    await shot(page, 'sandbox-5-upload-refused');
  });

  step('7. a phone\'s width: the terminal and the files fit', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    watch(phone, sink);
    try {
      const p = await phone.newPage();
      await navigate(() => p.goto(new URL('login', serve.url).href));
      await p.locator('#login-key').fill(KEY);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await see(p, '#task');
      await navigate(() => p.goto(new URL(`conversations/${encodeURIComponent(id)}`, serve.url).href));
      await p.getByRole('tab', { name: 'Terminal' }).click();
      await see(p, '.term-box:not([hidden]) .xterm-rows', 'agent-term-42');
      const termOver = await horizontalOverflow(p);
      await shot(p, 'sandbox-6-phone-terminal');
      await p.getByRole('tab', { name: 'Files' }).click();
      await see(p, 'table.files a.entry', 'from-agent.txt');
      const filesOver = await horizontalOverflow(p);
      await shot(p, 'sandbox-6-phone-files');
      assert.deepEqual(termOver, [], 'the terminal tab at 390×844 scrolls sideways');
      assert.deepEqual(filesOver, [], 'the files tab at 390×844 scrolls sideways');
    } finally {
      await phone.close();
    }
  });

  step('8. no console errors and no page errors in any step', () => {
    assert.deepEqual(sink.errors, []);
  });
});
