// services.test.mjs — the conversation's VS Code, Desktop and Browser tabs
// in headless Chromium, with real parts: `build/handbox serve`, a Docker
// sandbox of the default image (handbox/sandbox:latest, which has neither
// VS Code nor a desktop) and the scripted LLM, whose agent runs one
// command. The VS Code and Desktop tabs ask the sandbox (through serve's
// sandboxd passthrough, with the port's sub-domain as base_url) and say
// that this image has no VS Code / desktop and how to get one; the
// Browser tab says what will show there. At 1280×800 and at a phone's
// width (the six tabs fit, nothing scrolls sideways); no console errors.
// Screenshots: build/test-artifacts/services-*.png.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { call, horizontalOverflow, navigate, shot, startParts, stopParts, WAIT_MS, watch } from './lib.mjs';
import { stepper } from './flow.mjs';

const TASK = 'Show me the workspace in VS Code';

const see = (page, selector, hasText, timeout = WAIT_MS) =>
  page.locator(selector, hasText === undefined ? {} : { hasText }).first().waitFor({ state: 'visible', timeout });

describe('the VS Code, Desktop and Browser tabs', () => {
  let parts, serve, browser, context, page, id, sandbox;
  const sink = { errors: [], sockets: [] };
  const asked = [];    // the passthrough's URL questions the page made, and their answers
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'services-FAILED')}`); });

  before(async () => {
    parts = await startParts('services', [
      call('terminal', { command: 'echo services-$((40+2)) > /workspace/note.txt && cat /workspace/note.txt' }),
      call('finish', { message: 'Wrote note.txt.' }),
    ], sink, { llmInEnv: true });
    ({ serve, browser, context, page } = parts);
    context.on('response', async (r) => {
      if (/\/sandboxd\/api\/(vscode|desktop)\/url\?/.test(r.url())) {
        asked.push({ url: r.url(), status: r.status(), body: await r.text().catch(() => '') });
      }
    });
  });

  after(() => stopParts(parts, step.allPassed()));

  step('1. a task runs: the agent runs its command', async () => {
    await navigate(() => page.goto(serve.url));
    await page.locator('#task').fill(TASK);
    await page.locator('#task').press('Enter');
    await page.waitForURL(/\/conversations\/[^/]+$/, { timeout: WAIT_MS });
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    await see(page, '.tool.terminal pre.output', 'services-42');
    await see(page, '.statusline.finished', 'Waiting for task');
    const info = await (await page.request.get(new URL(`api/conversations/${id}`, serve.url).href)).json();
    sandbox = info.sandbox_id;
    assert.match(sandbox || '', /^[0-9a-f]{12}$/, JSON.stringify(info));
    const names = await page.getByRole('tab').allInnerTexts();
    assert.deepEqual(names, ['Chat', 'Terminal', 'Files', 'VS Code', 'Desktop', 'Browser']);
  });

  step('2. VS Code: the sandbox is asked for its URL at the sub-domain; this image has none, and the tab says how to get one', async () => {
    await page.getByRole('tab', { name: 'VS Code' }).click();
    await see(page, '[data-service="vscode"] .service-missing', 'This sandbox\'s image has no VS Code.');
    await see(page, '[data-service="vscode"] .service-missing code', 'handbox image build --with vscode,desktop');
    const q = asked.find((a) => a.url.includes('/api/vscode/url?'));
    assert.ok(q, `no VS Code URL question among ${JSON.stringify(asked)}`);
    assert.equal(q.status, 200);
    assert.deepEqual(JSON.parse(q.body), { url: null });
    const base = new URL(q.url).searchParams.get('base_url');
    assert.equal(base, `http://8001-${sandbox}.localhost:${serve.port}`);
    assert.equal(await page.locator('[data-service="vscode"] a.service-open').count(), 0);
    await shot(page, 'services-1-vscode-missing');
  });

  step('3. Desktop: the same for noVNC on 8002', async () => {
    await page.getByRole('tab', { name: 'Desktop' }).click();
    await see(page, '[data-service="desktop"] .service-missing', 'This sandbox\'s image has no desktop.');
    const q = asked.find((a) => a.url.includes('/api/desktop/url?'));
    assert.ok(q, `no desktop URL question among ${JSON.stringify(asked)}`);
    assert.deepEqual(JSON.parse(q.body), { url: null });
    assert.equal(new URL(q.url).searchParams.get('base_url'), `http://8002-${sandbox}.localhost:${serve.port}`);
    await shot(page, 'services-2-desktop-missing');
  });

  step('4. Browser: no browser step yet, and the tab says what will show', async () => {
    await page.getByRole('tab', { name: 'Browser' }).click();
    await see(page, '.browser-tab .term-intro', 'No browser steps yet');
    assert.equal(await page.locator('.browser-step').count(), 0);
    await shot(page, 'services-3-browser-empty');
  });

  step('5. a phone\'s width: the six tabs and the VS Code tab fit', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    watch(phone, sink);
    try {
      const p = await phone.newPage();
      await p.goto(new URL(`conversations/${encodeURIComponent(id)}`, serve.url).href);
      await p.getByRole('tab', { name: 'VS Code' }).click();
      await see(p, '[data-service="vscode"] .service-missing', 'has no VS Code');
      const over = await horizontalOverflow(p);
      await shot(p, 'services-4-phone-vscode');
      // the tab list scrolls in itself: its last tab can be reached
      await p.getByRole('tab', { name: 'Browser' }).click();
      await see(p, '.browser-tab .term-intro', 'No browser steps yet');
      await shot(p, 'services-4-phone-browser');
      assert.deepEqual(over, [], 'the VS Code tab at 390×844 scrolls sideways');
    } finally {
      await phone.close();
    }
  });

  step('6. no console errors and no page errors in any step', () => {
    assert.deepEqual(sink.errors, []);
  });
});
