// view-settings.js — "/settings": the LLM (base URL, model, API key,
// native tool calling) with the servers found on this host as presets, a
// Test button that makes one call, and the sandbox defaults. The API key
// is never shown: the server answers it masked, and the field only takes
// a new one.
import { h, clear, elapsed, spinner } from './dom.js';
import { api } from './api.js';

const NATIVE = [['auto', 'Auto: try native tool calls, fall back to text'], ['true', 'On: the server supports tool calls'], ['false', 'Off: tools are called as text']];

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

function nativeValue(v) {
  if (v === true || v === 'true') return 'true';
  if (v === false || v === 'false') return 'false';
  return 'auto';
}

export function mountSettings(main, ctx) {
  document.title = 'Settings · handbox';
  let gone = false;
  const baseUrl = h('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'http://127.0.0.1:1234/v1' });
  const modelList = h('datalist', { id: 'model-list' });
  const model = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', list: 'model-list', placeholder: 'e.g. mistralai/devstral-small-2505' });
  const apiKey = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', placeholder: 'unchanged' });
  const keyState = h('span', {});
  const clearKey = h('input', { type: 'checkbox', id: 'clear-key' });
  const native = h('select', {}, NATIVE.map(([v, t]) => h('option', { value: v }, t)));
  const image = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const volumes = h('textarea', { rows: 2, spellcheck: 'false', placeholder: '/home/me/project:/workspace:rw' });
  const memory = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. 4g' });

  const presetsEl = h('div', { class: 'presets', 'aria-live': 'polite' });
  const testOut = h('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  const saveOut = h('div', { class: 'save-result', role: 'status', 'aria-live': 'polite' });
  const testBtn = h('button', { type: 'button', class: 'secondary' }, 'Test');
  const saveBtn = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const loadErr = h('div', { role: 'alert' });

  const form = h('form', { class: 'settings', novalidate: true },
    loadErr,
    h('section', { class: 'card', 'aria-labelledby': 'llm-h' },
      h('h2', { id: 'llm-h' }, 'LLM'),
      h('p', { class: 'muted' }, 'Any OpenAI-compatible server. The key stays on this server: it is never sent to a sandbox.'),
      h('h3', {}, 'Found on this machine'),
      presetsEl,
      field('base-url', 'Base URL', baseUrl, 'Ends with /v1 for most servers. handbox calls it from this server, not from the sandbox: 127.0.0.1 is this machine.'),
      field('model', 'Model', model),
      modelList,
      h('div', { class: 'field' },
        h('label', { for: 'api-key' }, 'API key'),
        Object.assign(apiKey, { id: 'api-key' }),
        h('p', { class: 'hint' }, keyState),
        h('label', { class: 'check', for: 'clear-key' }, clearKey, ' Remove the saved key')),
      field('native', 'Native tool calling', native, 'Auto suits almost every server; Off for models that only write tool calls as text.'),
      h('div', { class: 'actions' }, testBtn, h('span', { class: 'hint' }, 'Makes one small call with the values above (saved or not).')),
      testOut),
    h('section', { class: 'card', 'aria-labelledby': 'sb-h' },
      h('h2', { id: 'sb-h' }, 'Sandbox defaults'),
      field('sb-image', 'Image', image, 'Used when a new conversation names none.'),
      field('sb-volumes', 'Mounts', volumes, 'One a line: host path:container path[:ro|rw].'),
      field('sb-memory', 'Memory limit', memory, 'Per sandbox, e.g. 2g. Empty: the server’s default.')),
    h('div', { class: 'actions save-bar' }, saveBtn, saveOut));

  main.append(h('div', { class: 'page narrow' }, h('h1', {}, 'Settings'), form));

  let saved = null;
  const showKey = (k) => {
    keyState.textContent = k ? `A key is saved (${k}). Type a new one to replace it.` : 'No key saved. Local servers usually need none.';
  };

  const llmFromForm = () => {
    const llm = { base_url: baseUrl.value.trim(), model: model.value.trim(), native_tool_calling: nativeValue(native.value) };
    if (llm.native_tool_calling !== 'auto') llm.native_tool_calling = llm.native_tool_calling === 'true';
    if (apiKey.value) llm.api_key = apiKey.value;
    else if (clearKey.checked) llm.api_key = '';
    return llm;
  };

  api.getSettings().then((s) => {
    if (gone) return;
    saved = s || {};
    const llm = saved.llm || {}, sb = saved.sandbox || {};
    baseUrl.value = llm.base_url || '';
    model.value = llm.model || '';
    native.value = nativeValue(llm.native_tool_calling);
    showKey(llm.api_key);
    image.value = sb.image || '';
    volumes.value = Array.isArray(sb.volumes) ? sb.volumes.join('\n') : (sb.volumes || '').split(',').join('\n');
    memory.value = sb.memory || '';
  }).catch((e) => {
    if (!gone) loadErr.replaceChildren(h('div', { class: 'callout error' }, h('strong', {}, 'Could not read the settings: '), e.message));
  });

  // --- presets: the servers found on this host ---------------------------------
  let presetCtl = null;
  const loadPresets = () => {
    presetCtl = new AbortController();
    const t = h('span', {});
    presetsEl.replaceChildren(h('p', { class: 'muted' }, spinner('searching'), ' Looking for LM Studio, Ollama, llama.cpp and vLLM on this machine… ', t));
    const stop = elapsed(t, Date.now(), (s) => (s >= 2 ? `${s} s` : ''));
    api.llmPresets({ signal: presetCtl.signal }).then((list) => {
      stop();
      if (gone) return;
      clear(presetsEl);
      list = Array.isArray(list) ? list : [];
      if (!list.length) {
        presetsEl.append(h('p', { class: 'muted' }, 'No LLM server answers on this machine (LM Studio :1234, Ollama :11434, llama.cpp :8080, vLLM :8000). Start one, or fill in the fields below. ',
          h('button', { type: 'button', class: 'link', onclick: loadPresets }, 'Search again')));
        return;
      }
      clear(modelList);
      for (const p of list) {
        const models = p.models || [];
        for (const m of models) modelList.append(h('option', { value: m }));
        presetsEl.append(h('div', { class: 'preset' },
          h('div', { class: 'preset-head' }, h('strong', {}, p.name || 'LLM server'), ' ', h('code', {}, p.base_url)),
          models.length
            ? h('div', { class: 'chips', role: 'group', 'aria-label': `Models of ${p.name}` }, models.map((m) => h('button', {
              type: 'button', class: 'chip',
              'aria-pressed': String(baseUrl.value === p.base_url && model.value === m),
              onclick: (ev) => {
                baseUrl.value = p.base_url;
                model.value = m;
                for (const c of presetsEl.querySelectorAll('.chip')) c.setAttribute('aria-pressed', String(c === ev.currentTarget));
                saveOut.replaceChildren(h('span', { class: 'muted' }, `${m} chosen: Save to use it.`));
                saveBtn.focus();
              },
            }, m)))
            : h('p', { class: 'muted small' }, 'It lists no model: load one in it first.')));
      }
    }).catch((e) => {
      stop();
      if (gone || e.name === 'AbortError') return;
      presetsEl.replaceChildren(h('p', { class: 'error-text' }, `Could not look for local servers: ${e.message} `,
        h('button', { type: 'button', class: 'link', onclick: loadPresets }, 'Try again')));
    });
  };
  loadPresets();

  // --- test ------------------------------------------------------------------------
  let testing = false;
  testBtn.onclick = async () => {
    if (testing) return;
    testing = true;
    testBtn.disabled = true;
    const t = h('span', {});
    testOut.replaceChildren(h('p', { class: 'muted' }, spinner('testing'), ` Asking ${model.value || 'the model'}… `, t));
    const stop = elapsed(t);
    try {
      const r = await api.llmTest(llmFromForm());
      if (r && r.ok === false) throw new Error(r.detail || r.error || 'the test failed');
      testOut.replaceChildren(h('div', { class: 'callout ok' }, h('strong', {}, 'The model answered: '),
        h('q', {}, (r && r.reply) || '(an empty reply)')));
    } catch (e) {
      testOut.replaceChildren(h('div', { class: 'callout error' }, h('strong', {}, 'The test failed: '), e.message));
    } finally {
      stop();
      testing = false;
      testBtn.disabled = false;
    }
  };

  // --- save ------------------------------------------------------------------------
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    saveBtn.disabled = true;
    saveOut.replaceChildren(h('span', { class: 'muted' }, spinner('saving'), ' Saving…'));
    const body = {
      llm: llmFromForm(),
      sandbox: {
        image: image.value.trim(),
        volumes: volumes.value.split(/[\n,]/).map((v) => v.trim()).filter(Boolean),
        memory: memory.value.trim(),
      },
    };
    try {
      const s = await api.saveSettings(body);
      const k = s && s.llm ? s.llm.api_key : body.llm.api_key ? '****' : (saved && saved.llm && saved.llm.api_key);
      apiKey.value = '';
      clearKey.checked = false;
      showKey(body.llm.api_key === '' ? '' : k);
      saveOut.replaceChildren(h('span', { class: 'ok-text' }, '✓ Saved. New conversations use these settings.'));
    } catch (err) {
      saveOut.replaceChildren(h('span', { class: 'error-text' }, `Not saved: ${err.message}`));
    } finally {
      saveBtn.disabled = false;
    }
  });

  return () => { gone = true; if (presetCtl) presetCtl.abort(); };
}
