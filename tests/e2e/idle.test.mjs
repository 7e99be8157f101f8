// idle.test.mjs — a conversation's sandbox paused for being idle, as the
// web UI shows it: `serve --idle-pause 2`, a task run to its end, the side
// panel saying "Paused (idle)", its Resume button, and a message that
// resumes the sandbox and runs the agent in it again. Real parts: a Docker
// sandbox, the scripted LLM, headless Chromium. Screenshots:
// build/test-artifacts/idle-*.png.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { call, shot, startParts, stopParts, WAIT_MS } from './lib.mjs';
import { script, setLLM, startTask, stepper } from './flow.mjs';

const TAG = 'e2e-idle';
const TASK = 'Create e2e-idle.txt and show it';
const badge = '.sandbox .badge.status';

describe('an idle sandbox in the web UI', () => {
  let parts, llm, serve, page;
  const sink = { errors: [], sockets: [] };
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'idle-FAILED')}`); });
  const see = (selector, hasText) => page.locator(selector, { hasText }).first().waitFor({ state: 'visible', timeout: WAIT_MS });

  before(async () => {
    parts = await startParts('idle', [...script(TAG),
      call('terminal', { command: 'echo "resumed=$((40+2))"' }),
      call('finish', { message: 'Ran it in the resumed sandbox.' })], sink, { serveArgs: ['--idle-pause', '2'] });
    ({ llm, serve, page } = parts);
  });

  after(() => stopParts(parts, step.allPassed()));

  step('1. settings and a task run to its end', async () => {
    await setLLM(page, serve.url, llm, 'idle');
    await startTask(page, TAG, TASK, 'idle', sink.sockets);
  });
  step('2. idle for 2 s: the panel says "Paused (idle)" and offers to resume', async () => {
    await see(badge, 'Paused (idle)');
    await see('.sandbox p.muted', 'Your next message');
    await shot(page, 'idle-2-paused');
  });
  step('3. "Resume now": the sandbox runs again', async () => {
    await page.getByRole('button', { name: 'Resume now' }).click();
    await see(badge, 'Running');
  });
  step('4. paused again, a message resumes it and the agent runs in it', async () => {
    await see(badge, 'Paused (idle)');
    await page.locator('#message').fill('Run one more command');
    await page.locator('#message').press('Enter');
    await see('.tool.terminal pre.output', 'resumed=42');
    await see('.tool.finish', 'Ran it in the resumed sandbox.');
    await shot(page, 'idle-4-resumed');
  });
  step('5. no console errors and no page errors in any step', () => {
    assert.deepEqual(sink.errors, []);
  });
});
