// bench/ui.mjs — what a person waits for in the web UI, measured in
// Debian's Chromium (playwright-core, as tests/e2e drive it) against the
// real `handbox serve`, the real Docker engine and the scripted LLM of
// tests/lib/fake_llm.py, which answers at once:
//
//   weight    `/` in a fresh browser: the requests, the bytes on the wire
//             (headers and bodies as sent: gzip'd where the server
//             compresses) and the bytes decoded; then a reload (the
//             browser revalidates: 304s)
//   enter     a task typed on `/` and Enter, to: the task shown on the
//             conversation page, the first event element in the DOM (the
//             task as an event: after its sandbox has started, cold), the
//             agent's first event, the run finished
//   history   a conversation of about 500 stored events (STEPS steps of
//             3 events each) opened by its URL:
//             navigation to the first event element, and to the whole
//             replay rendered (its finish card), with a fresh browser cache
//             and with a warm one
//
// Times are taken inside the page (performance.now(), from the navigation
// or from the Enter keydown; a MutationObserver notes when each element
// first appears), so the driver's own polling is not in them. Medians of
// RUNS runs. Usage: node bench/ui.mjs [--runs 5] [--steps 160] [--json F]
// Environment: HANDBOX, SANDBOXD, CHROMIUM, E2E_IMAGE as for tests/e2e.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { IMAGE, launchBrowser, startFakeLLM, startServe, tempDir, removeTempDir } from '../tests/e2e/lib.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    steps: { type: 'string', default: '160' },
    json: { type: 'string' },
  },
});
const RUNS = Number(opt.runs);
const STEPS = Number(opt.steps);

// Installed before any script of the page: when each mark first holds.
function probe() {
  const marks = {};
  window.__hbMarks = marks;
  const sel = {
    pending: '.msg.user.pending',
    first: '.transcript [data-event-id]',
    agent: '.transcript .tool',
    finish: '.tool.finish',
  };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target && e.target.id === 'task' && !marks.enter) marks.enter = performance.now();
  }, true);
  new MutationObserver(() => {
    for (const [k, s] of Object.entries(sel)) {
      if (!marks[k] && document.querySelector(s)) marks[k] = performance.now();
    }
  }).observe(document, { subtree: true, childList: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function marksWhen(page, key, timeout = 120000) {
  await page.waitForFunction((k) => window.__hbMarks && window.__hbMarks[k], key, { timeout });
  return page.evaluate(() => ({ ...window.__hbMarks }));
}

// The navigation and every resource of the page, from Resource Timing.
async function weight(page) {
  return page.evaluate(() => {
    const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .filter((e) => !/sockets\/|\/api\//.test(e.name));
    return {
      requests: all.length,
      transferred: all.reduce((a, e) => a + e.transferSize, 0),
      encoded: all.reduce((a, e) => a + e.encodedBodySize, 0),
      decoded: all.reduce((a, e) => a + e.decodedBodySize, 0),
    };
  });
}

async function api(base, method, p, body) {
  const r = await fetch(new URL(p, base), {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function waitFinished(base, id, ms = 300000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await api(base, 'GET', `api/conversations/${id}`);
    if (['finished', 'error', 'stuck'].includes(info.execution_status) || info.sandbox_status === 'error') return info;
    if (Date.now() > deadline) throw new Error(`conversation ${id} did not finish in ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const dir = tempDir('bench-ui');
  let llm, serve, browser, ok = false;
  const out = { date: new Date().toISOString(), image: IMAGE, runs: RUNS };
  try {
    // the long conversation's steps first; every later request is answered
    // `finish` (the script has run out), so each task of `enter` is one turn
    const steps = Array.from({ length: STEPS },
      (_, i) => ({ tool_calls: [{ name: 'terminal', arguments: { command: `true # ${i}` } }] }));
    llm = await startFakeLLM(dir, steps, { model: 'bench' });
    serve = await startServe(dir, {
      env: { LLM_MODEL: llm.model, LLM_BASE_URL: llm.url, LLM_API_KEY: 'bench' },
    });
    browser = await launchBrowser();

    // ----------------------------------------------------------- history
    const big = await api(serve.url, 'POST', 'api/conversations', {
      initial_message: { role: 'user', content: [{ type: 'text', text: `${STEPS} steps, for the history` }], run: true },
    });
    const info = await waitFinished(serve.url, big.id);
    if (info.execution_status !== 'finished') throw new Error(`the long conversation ended ${info.execution_status}: ${JSON.stringify(info)}`);
    const events = await api(serve.url, 'GET', `api/conversations/${big.id}/events/count`);

    // ------------------------------------------------------------ weight
    let ctx = await browser.newContext();
    await ctx.addInitScript(probe);
    let page = await ctx.newPage();
    await page.goto(serve.url, { waitUntil: 'load' });
    await page.locator('#task').waitFor();
    const cold = await weight(page);
    await page.reload({ waitUntil: 'load' });
    await page.locator('#task').waitFor();
    const warm = await weight(page);
    out.weight = { cold, warm };
    await ctx.close();

    // ------------------------------------------------------------- enter
    const enter = { pending: [], first: [], agent: [], finish: [], server: [] };
    for (let i = 0; i < RUNS; i++) {
      ctx = await browser.newContext();
      await ctx.addInitScript(probe);
      page = await ctx.newPage();
      await page.goto(serve.url);
      await page.locator('#task').fill(`bench task ${i}`);
      await page.locator('#task').press('Enter');
      const m = await marksWhen(page, 'finish');
      for (const k of ['pending', 'first', 'agent', 'finish']) enter[k].push(m[k] - m.enter);
      // the server's share: the conversation made → its first event
      // committed (the sandbox's start, the agent opened)
      const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
      const conv = await api(serve.url, 'GET', `api/conversations/${id}`);
      const ev = await api(serve.url, 'GET', `api/conversations/${id}/events/search?limit=1&sort_order=TIMESTAMP`);
      enter.server.push(Date.parse(ev.items[0].timestamp) - Date.parse(conv.created_at));
      await ctx.close();
    }
    out.enter = Object.fromEntries(Object.entries(enter).map(([k, v]) => [k, { median_ms: median(v), runs: v }]));

    // ----------------------------------------------------------- history
    const hist = { cold_first: [], cold_all: [], warm_first: [], warm_all: [], nodes: 0 };
    const url = new URL(`conversations/${big.id}`, serve.url).href;
    for (let i = 0; i < RUNS; i++) {
      ctx = await browser.newContext();
      await ctx.addInitScript(probe);
      page = await ctx.newPage();
      await page.goto(url);
      let m = await marksWhen(page, 'finish');
      hist.cold_first.push(m.first);
      hist.cold_all.push(m.finish);
      await page.reload();
      m = await marksWhen(page, 'finish');
      hist.warm_first.push(m.first);
      hist.warm_all.push(m.finish);
      hist.nodes = await page.locator('.transcript [data-event-id]').count();
      await ctx.close();
    }
    out.history = {
      events: events, elements: hist.nodes,
      ...Object.fromEntries(Object.entries(hist).filter(([k]) => k !== 'nodes')
        .map(([k, v]) => [k, { median_ms: median(v), runs: v }])),
    };
    ok = true;
  } finally {
    if (browser) await browser.close();
    if (serve) await serve.stop();
    if (llm) await llm.stop();
    removeTempDir(dir, ok);
  }
  report(out);
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify(out, null, 1) + '\n');
}

function report(o) {
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  const ms = (x) => `${x.median_ms.toFixed(0)} ms`;
  console.log(`\nweb UI in Chromium (${o.image}; medians of ${o.runs} runs)`);
  console.log(`  / in a fresh browser: ${o.weight.cold.requests} requests, ${kb(o.weight.cold.transferred)} on the wire `
    + `(bodies ${kb(o.weight.cold.encoded)} as sent, ${kb(o.weight.cold.decoded)} decoded)`);
  console.log(`  / reloaded: ${kb(o.weight.warm.transferred)} on the wire (revalidated: 304s)`);
  console.log(`  Enter on / → the task shown ${ms(o.enter.pending)}, → first event element ${ms(o.enter.first)} `
    + `(cold sandbox), → the agent's first event ${ms(o.enter.agent)}, → finished ${ms(o.enter.finish)}`);
  console.log(`    of which the server's: the conversation made → its first event committed ${ms(o.enter.server)}`);
  const h = o.history;
  console.log(`  a conversation of ${h.events} stored events (${h.elements} event elements) opened by URL:`);
  console.log(`    fresh cache: first event ${ms(h.cold_first)}, all rendered ${ms(h.cold_all)}`);
  console.log(`    warm cache:  first event ${ms(h.warm_first)}, all rendered ${ms(h.warm_all)}`);
}

main().catch((e) => {
  console.error(`bench/ui.mjs: ${e.stack || e}`);
  process.exit(1);
});
