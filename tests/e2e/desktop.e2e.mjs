// desktop.e2e.mjs — the VS Code and Desktop tabs with an image that has
// both (`handbox image build --with vscode,desktop`, E2E_IMAGE, default
// handbox/sandbox:desktop), in headless Chromium, with real parts:
// `build/handbox serve` with an API key (so the sub-domain gets its cookie
// from serve's link), a Docker sandbox of that image and the scripted LLM,
// whose agent writes a file, serves the workspace on 8011 and looks at it
// with its browser tools. "Open VS Code ↗" opens a tab of its own through
// serve's sub-domain proxy where the workbench shows the workspace and
// its file; "Open the desktop ↗" opens noVNC there, which connects (RFB
// over the proxied WebSocket) and draws the desktop; the Browser tab shows
// the agent's two browser steps, the second with its screenshot (a real
// PNG, fetched through serve's passthrough). Not in
// `make e2e` (whose image is the default one): `make e2e-desktop` runs it,
// and fails, never skips, when the image is missing. Screenshots:
// build/test-artifacts/desktop-*.png.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { call, navigate, shot, startParts, stopParts, WAIT_MS } from './lib.mjs';
import { APP_PORT, stepper } from './flow.mjs';

const KEY = 'e2e-desktop-key-0123456789';
const FILE = 'from-the-agent.py';

const see = (page, selector, hasText, timeout = WAIT_MS) =>
  page.locator(selector, hasText === undefined ? {} : { hasText }).first().waitFor({ state: 'visible', timeout });

describe('VS Code and the desktop of a sandbox that has them', () => {
  let parts, serve, browser, context, page, sandbox;
  const sink = { errors: [], sockets: [] };
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'desktop-FAILED')}`); });

  before(async () => {
    parts = await startParts('desktop', [
      call('file_editor', { command: 'create', path: `/workspace/${FILE}`, file_text: 'print("hello from the agent")\n' }),
      call('terminal', { command: `(nohup python3 -m http.server ${APP_PORT} --directory /workspace >/tmp/app.log 2>&1 &); until curl -s localhost:${APP_PORT} >/dev/null; do sleep 0.2; done; echo up` }),
      call('browser_navigate', { url: `http://localhost:${APP_PORT}/` }),
      call('browser_get_state', { include_screenshot: true }),
      call('finish', { message: `Wrote ${FILE} and looked at it in the browser.` }),
    ], sink, { serveArgs: ['--api-key', KEY], llmInEnv: true });
    ({ serve, browser, context, page } = parts);
  });

  after(() => stopParts(parts, step.allPassed()));

  step('1. signed in, a task runs: the agent writes a file', async () => {
    await navigate(() => page.goto(new URL('login', serve.url).href));
    await page.locator('#login-key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page, '#task');
    await page.locator('#task').fill('Write a small script');
    await page.locator('#task').press('Enter');
    await page.waitForURL(/\/conversations\/[^/]+$/, { timeout: WAIT_MS });
    await see(page, '.statusline.finished', 'Waiting for task');
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    sandbox = (await (await page.request.get(new URL(`api/conversations/${id}`, serve.url).href)).json()).sandbox_id;
    assert.match(sandbox || '', /^[0-9a-f]{12}$/);
  });

  step('2. VS Code opens in its own tab through the sub-domain and shows the workspace', async () => {
    await page.getByRole('tab', { name: 'VS Code' }).click();
    const open = page.locator('[data-service="vscode"] a.service-open');
    await open.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await open.getAttribute('href'), new RegExp(`^api/sandboxes/${sandbox}/open/8001\\?to=%2F%3Ftkn%3D`));
    await shot(page, 'desktop-1-vscode-tab');
    const [vs] = await Promise.all([context.waitForEvent('page'), open.click()]);
    await vs.waitForLoadState();
    assert.equal(new URL(vs.url()).hostname, `8001-${sandbox}.localhost`);
    assert.ok(!vs.url().includes(KEY) && !vs.url().includes('tkn='), `the keys stay out of the address: ${vs.url()}`);
    await see(vs, '.monaco-workbench');
    await see(vs, '.explorer-folders-view .monaco-list-row', FILE);
    await shot(vs, 'desktop-2-vscode');
    await vs.close();
  });

  step('3. the desktop opens in its own tab and noVNC connects', async () => {
    await page.getByRole('tab', { name: 'Desktop' }).click();
    const open = page.locator('[data-service="desktop"] a.service-open');
    await open.waitFor({ state: 'visible', timeout: WAIT_MS });
    const [vnc] = await Promise.all([context.waitForEvent('page'), open.click()]);
    await vnc.waitForLoadState();
    assert.equal(new URL(vnc.url()).hostname, `8002-${sandbox}.localhost`);
    await see(vnc, 'html.noVNC_connected #noVNC_container canvas');
    await shot(vnc, 'desktop-3-novnc');
    const ws = sink.sockets.find((s) => s.url.startsWith(`ws://8002-${sandbox}.localhost:`));
    assert.ok(ws && ws.received > 0, `noVNC's WebSocket through the proxy: ${JSON.stringify(sink.sockets)}`);
    await vnc.close();
  });

  step('4. the Browser tab shows the agent\'s browser steps and the screenshot', async () => {
    await page.getByRole('tab', { name: 'Browser' }).click();
    await see(page, '.browser-step', 'Looked');
    assert.equal(await page.locator('.browser-step').count(), 2);
    // newest first: get_state, then navigate
    const first = page.locator('.browser-step').first();
    assert.match(await first.locator('.browser-url').innerText(), new RegExp(`^http://localhost:${APP_PORT}/`));
    const img = first.locator('img.browser-shot');
    await img.waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout: WAIT_MS });
    const size = await img.evaluate((el) => [el.naturalWidth, el.naturalHeight]);
    assert.ok(size[0] >= 200 && size[1] >= 100, `the screenshot is ${size}`);
    const src = await img.getAttribute('src');
    assert.match(src, new RegExp(`^api/sandboxes/${sandbox}/sandboxd/api/file/download\\?path=`));
    const png = Buffer.from(await (await page.request.get(new URL(src, serve.url).href)).body());
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'not a PNG');
    assert.equal(await page.locator('.browser-step').nth(1).locator('img').count(), 0, 'navigate took no screenshot');
    await shot(page, 'desktop-4-browser');
  });

  step('5. no console errors and no page errors in serve\'s pages', () => {
    assert.deepEqual(sink.errors, []);
  });
});
