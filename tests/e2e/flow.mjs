// flow.mjs — the user's flow through the web UI, step by step, shared by
// the plain HTTP test and the one behind nginx over HTTPS. Each step waits
// for what a person would see (playwright-core has no expect(): a locator
// with hasText that never appears times out with its selector named).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { call, horizontalOverflow, navigate, shot, WAIT_MS } from './lib.mjs';

export const APP_PORT = 8011;
export const TEST_ANSWER = 'Ready when you are: the fake model here.';

// The LLM's script: the settings page's Test call first, then the task's
// turns: create a file, run a command that prints it, serve the workspace
// on 8011 in the background (the app a user opens through the proxy),
// finish.
export function script(tag) {
  return [
    { content: TEST_ANSWER },
    { delay: 0.5, ...call('file_editor', { command: 'create', path: `/workspace/${tag}.txt`, file_text: `hello from ${tag}\nsecond line\n` }) },
    call('terminal', { command: `cat /workspace/${tag}.txt && echo "sum=$((6*7))"` }),
    call('terminal', { command: `nohup python3 -m http.server ${APP_PORT} --directory /workspace >/tmp/app.log 2>&1 &` }),
    call('finish', { message: `Created ${tag}.txt and printed it.` }),
  ];
}

// Steps of a describe(): after a failed one the rest fail at once, naming
// the step they stand on (nothing is reported as skipped). step.allPassed() says whether
// every step ran and passed (the temp directory is then removed).
// onFail(name) runs after a failure (a screenshot of the page as it was).
export function stepper(onFail = async () => {}) {
  let failed = null, registered = 0, passed = 0;
  const step = (name, fn, timeout = 3 * WAIT_MS) => {
    registered++;
    return it(name, { timeout }, async (t) => {
      if (failed) throw new Error(`not run: it needs the step "${failed}", which failed`);
      try {
        await fn(t);
        passed++;
      } catch (e) {
        failed = name;
        await onFail(name).catch((err) => console.log(`# no screenshot of the failure: ${err.message}`));
        throw e;
      }
    });
  };
  step.allPassed = () => passed === registered;
  return step;
}

// Wait until the first element of selector (holding hasText) is visible.
export const see = (page, selector, hasText, timeout = WAIT_MS) =>
  page.locator(selector, hasText === undefined ? {} : { hasText }).first().waitFor({ state: 'visible', timeout });

// 1. Settings: the LLM's base URL and model; Test shows the model's
// answer; Save.
export async function setLLM(page, base, llm, prefix) {
  await navigate(() => page.goto(base));
  await see(page, '#task');
  await page.locator('nav a[data-nav="settings"]').click();
  await page.waitForURL(/\/settings$/);
  // the stored settings fill the form when they arrive: wait, or they
  // would overwrite what is typed
  await see(page, '#api-key ~ .hint', /key saved/);
  await page.locator('#base-url').fill(llm.url);
  await page.locator('#model').fill(llm.model);
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await see(page, '.test-result .callout.ok', TEST_ANSWER);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await see(page, '.save-result .ok-text', 'Saved');
  await shot(page, `${prefix}-1-settings`);
}

// What a finished run of script(tag) shows on the conversation page.
async function seeFinishedRun(page, tag, task) {
  await see(page, '.msg.user', task);
  await see(page, '.tool.file table.diff', `hello from ${tag}`);
  await see(page, '.tool.terminal pre.output', 'sum=42');
  await see(page, '.tool.terminal .badge', 'exit 0');
  await see(page, '.tool.finish', `Created ${tag}.txt and printed it.`);
  await see(page, '.statusline.finished', 'Waiting for task');
}

// 2. A task typed on "/" and Enter: the conversation page opens and the
// events arrive live. Returns the conversation's id.
export async function startTask(page, tag, task, prefix, sockets) {
  await page.locator('nav a[data-nav="list"]').click();
  await page.waitForURL((u) => !/settings/.test(u.pathname));
  await page.locator('#task').fill(task);
  await page.locator('#task').press('Enter');
  await page.waitForURL(/\/conversations\/[^/]+$/, { timeout: WAIT_MS });
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  // live: the run is seen going before it ends
  await see(page, '.statusline', /Starting sandbox|Running task/);
  await shot(page, `${prefix}-2a-running`);
  await seeFinishedRun(page, tag, task);
  const ws = sockets.filter((s) => s.url.includes(`/sockets/events/${id}`));
  assert.ok(ws.length, `no events WebSocket of ${id} was opened: ${JSON.stringify(sockets)}`);
  // the full state, the replay and then the live events: far more than one frame
  assert.ok(ws.some((s) => s.received >= 5), `the events WebSocket got too few frames: ${JSON.stringify(ws)}`);
  await shot(page, `${prefix}-2b-finished`);
  return id;
}

// 3. Reload: the same history, from the store.
export async function reloadHistory(page, tag, task, prefix) {
  await navigate(() => page.reload());
  await seeFinishedRun(page, tag, task);
  await shot(page, `${prefix}-3-reloaded`);
}

// 4. The app the agent serves: the sandbox panel lists its port once it
// listens; its link opens the app in a new tab through serve's sub-domain
// proxy ({port}-{sandbox}.localhost), and the app answers there.
export async function openApp(page, tag, prefix) {
  const link = page.locator('.port-list a.port-link', { hasText: `:${APP_PORT}` });
  await link.waitFor({ state: 'visible', timeout: WAIT_MS });
  await shot(page, `${prefix}-4a-ports`);
  const [app] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  try {
    await app.waitForLoadState('load', { timeout: WAIT_MS });
    await see(app, 'a', `${tag}.txt`);
    assert.match(await app.locator('h1').innerText(), /Directory listing/);
    const host = new URL(app.url()).hostname;
    assert.match(host, new RegExp(`^${APP_PORT}-[0-9a-f]+\\.localhost$`), `the app opened on ${app.url()}, not on its sub-domain`);
    await shot(app, `${prefix}-4b-app`);
  } finally {
    await app.close();
  }
}

// 5. The conversation list: the conversation with its status and cost.
export async function seeInList(page, id, task, prefix) {
  await page.locator('a.back').click();
  const row = page.locator(`a.conv-row[href="conversations/${encodeURIComponent(id)}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  await see(page, `a.conv-row[href="conversations/${encodeURIComponent(id)}"] .conv-title`, task);
  assert.equal((await row.locator('.badge.status').innerText()).trim(), 'Finished');
  const cost = (await row.locator('.cost').innerText()).trim();
  assert.match(cost, /^(\$\d+\.\d+|n\/a)$/, `the list's cost column says "${cost}"`);
  const tokens = (await row.locator('.tokens').innerText()).trim();
  assert.match(tokens, /^[\d,]+ tokens$/, `the list's token column says "${tokens}"`);
  await shot(page, `${prefix}-5-list`);
}

// A user shell in the Terminal tab: "My shell", what is typed runs and
// its output shows; back to the chat after.
export async function userShell(page, prefix) {
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await page.getByRole('button', { name: 'My shell' }).click();
  await page.getByRole('button', { name: 'Open a shell' }).click();
  await see(page, '.term-note', /Your shell is running/);
  const nonce = String(process.pid);
  await page.keyboard.type(`echo shell-${nonce}-$((3*4))\n`);
  await see(page, '.term-box:not([hidden]) .xterm-rows', `shell-${nonce}-12`);
  await shot(page, `${prefix}-4-user-shell`);
  await page.getByRole('tab', { name: 'Chat' }).click();
}

// 7. A phone's width: the conversation page does not scroll sideways.
export async function phoneWidth(browser, base, id, tag, task, prefix, watchContext) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  watchContext(context);
  try {
    const page = await context.newPage();
    await navigate(() => page.goto(new URL(`conversations/${encodeURIComponent(id)}`, base).href));
    await seeFinishedRun(page, tag, task);
    const over = await horizontalOverflow(page);
    await shot(page, `${prefix}-7-phone-conversation`);
    await navigate(() => page.goto(base));
    await see(page, 'a.conv-row');
    const listOver = await horizontalOverflow(page);
    await shot(page, `${prefix}-7-phone-list`);
    if (listOver.length) console.log(`# the list at 390 px overflows: ${listOver.join('; ')}`);
    assert.deepEqual(over, [], 'the conversation page at 390×844 scrolls sideways');
  } finally {
    await context.close();
  }
}
