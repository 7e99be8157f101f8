// ui.test.mjs — the web UI of `build/handbox serve` in headless Chromium,
// with real parts (a Docker sandbox, the scripted LLM): settings, a task
// started from "/", its events live, a reload, the app it serves opened through the proxy, the list, a phone's width
// and no console errors. Screenshots: build/test-artifacts/http-*.png.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { shot, startParts, stopParts, watch } from './lib.mjs';
import { openApp, phoneWidth, reloadHistory, script, seeInList, setLLM, startTask, stepper } from './flow.mjs';

const TAG = 'e2e-http';
const TASK = 'Create e2e-http.txt and show it';

describe('the web UI over HTTP', () => {
  let parts, llm, serve, browser, page, id;
  const sink = { errors: [], sockets: [] };
  const step = stepper(async () => { if (page) console.log(`# the page as it was: ${await shot(page, 'http-FAILED')}`); });

  before(async () => {
    parts = await startParts('http', script(TAG), sink);
    ({ llm, serve, browser, page } = parts);
  });

  after(() => stopParts(parts, step.allPassed()));

  step('1. settings: the fake LLM set and saved; Test shows its answer', () => setLLM(page, serve.url, llm, 'http'));
  step('2. a task from "/" with Enter: the diff, the command output and finish arrive live', async () => {
    id = await startTask(page, TAG, TASK, 'http', sink.sockets);
  });
  step('3. reload: the history is there', () => reloadHistory(page, TAG, TASK, 'http'));
  step('4. the app the agent serves on 8011 opens through its proxy link', () => openApp(page, TAG, 'http'));
  step('5. the conversation list: status, tokens and cost', () => seeInList(page, id, TASK, 'http'));
  step('7. phone width (390×844): the conversation page does not scroll sideways',
    () => phoneWidth(browser, serve.url, id, TAG, TASK, 'http', (c) => watch(c, sink)));
  step('8. no console errors and no page errors in any step', () => {
    assert.deepEqual(sink.errors, []);
  });
});
