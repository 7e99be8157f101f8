// file-browser.js — the conversation's "Files" tab: the sandbox's files
// through serve's sandboxd passthrough (docs/serve.md,
// docs/files-and-git.md). A folder is listed with GET
// …/api/handbox/files/list (folders first, then files, by name); the
// breadcrumbs and "Up" move about; a file is a link to
// …/api/file/download, which answers it as an attachment with its name,
// so the browser makes a real download; files chosen with "Upload" or
// dropped on the list go to the current folder with …/api/file/upload,
// each with its progress and its error, if any.
import { h, spinner } from './dom.js';
import { api, sandboxdPath, signInNeeded } from './api.js';
import { ago, bytes, fullTime } from './format.js';

const START = '/workspace';    // the sandbox's working directory when it has one

// Small line icons (no emoji: not every system has a font for them).
const ICONS = {
  dir: 'M2 4.5A1.5 1.5 0 0 1 3.5 3h3l1.5 1.5h4.5A1.5 1.5 0 0 1 14 6v5.5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 11.5z',
  file: 'M4 1.75h5l3 3v9.5H4zM9 1.75v3h3',
  symlink: 'M4 1.75h5l3 3v9.5H4zM6 11l3.5-3.5M7 7.5h2.5V10',
  other: 'M8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z',
};
function icon(kind) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', `icon ${kind}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[kind]);
  svg.append(path);
  return svg;
}

const join = (dir, name) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const parent = (dir) => dir.replace(/\/[^/]*$/, '') || '/';

function errorText(xhr) {
  try {
    const d = JSON.parse(xhr.responseText).detail;
    if (typeof d === 'string' && d) return d;
  } catch { /* not JSON */ }
  return xhr.status ? `${xhr.status} ${xhr.statusText || 'error'}` : 'the server could not be reached';
}

// show(sandboxId, status) whenever the conversation's sandbox changes;
// activate() when the tab is shown.
export function fileBrowser() {
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Folder' });
  const upBtn = h('button', { type: 'button', class: 'secondary', title: 'The parent folder' }, '↑ Up');
  const refreshBtn = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const picker = h('input', { type: 'file', multiple: true, class: 'sr-only', id: 'upload-files' });
  const uploadLbl = h('label', { for: 'upload-files', class: 'button primary', tabindex: '0', role: 'button' }, 'Upload…');
  const hidden = h('input', { type: 'checkbox', id: 'show-hidden', checked: true });
  const errEl = h('div', { class: 'form-error', role: 'alert' });
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads', 'aria-live': 'polite' });
  const list = h('div', { class: 'file-list' });
  const drop = h('div', { class: 'drop-hint', 'aria-hidden': 'true' });
  const body = h('div', { class: 'files-body' }, list, drop);
  const el = h('div', { class: 'files-tab' },
    h('div', { class: 'files-bar' }, crumbs,
      h('div', { class: 'files-actions' }, upBtn, refreshBtn,
        h('label', { class: 'check small' }, hidden, ' Hidden files'), uploadLbl, picker)),
    errEl, uploads, body);
  let sb = null, status = null, path = START, active = false, entries = [], seq = 0, triedStart = false;

  function renderCrumbs() {
    const parts = path.split('/').filter(Boolean);
    const links = [parts.length ?
      h('button', { type: 'button', class: 'link crumb', onclick: () => go('/'), 'aria-label': 'The root folder' }, '/') :
      h('span', { class: 'crumb here', 'aria-current': 'location' }, '/')];
    parts.forEach((p, i) => {
      const to = `/${parts.slice(0, i + 1).join('/')}`;
      if (i) links.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'));
      links.push(i === parts.length - 1 ?
        h('span', { class: 'crumb here', 'aria-current': 'location' }, p) :
        h('button', { type: 'button', class: 'link crumb', onclick: () => go(to) }, p));
    });
    crumbs.replaceChildren(...links);
    upBtn.disabled = path === '/';
    drop.textContent = `Drop files to upload them into ${path}`;
  }

  function row(e) {
    const when = h('td', { class: 'when', title: fullTime(e.mtime) }, ago(e.mtime));
    let name;
    if (e.type === 'dir') {
      name = h('button', { type: 'button', class: 'link entry dir', onclick: () => go(e.path) },
        icon('dir'), `${e.name}/`);
    } else if (e.type === 'file' || e.type === 'symlink') {
      name = h('a', { class: 'entry file', href: sandboxdPath(sb, 'api/file/download', { path: e.path }), download: e.name, title: `Download ${e.name}` },
        icon(e.type), e.name);
    } else {
      name = h('span', { class: 'entry other' }, icon('other'), e.name);
    }
    return h('tr', {},
      h('td', { class: 'name' }, name, e.link_target ? h('span', { class: 'muted small' }, ` → ${e.link_target}`) : null),
      h('td', { class: 'size' }, e.type === 'file' ? bytes(e.size) : ''),
      when);
  }

  function renderList(truncated) {
    const shown = entries.filter((e) => hidden.checked || !e.name.startsWith('.'))
      .sort((a, b) => (b.type === 'dir') - (a.type === 'dir') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!shown.length) {
      list.replaceChildren(h('p', { class: 'muted small empty' }, entries.length ? 'Only hidden files here.' : 'This folder is empty. Drop files here to upload them.'));
      return;
    }
    list.replaceChildren(h('table', { class: 'files' },
      h('caption', { class: 'sr-only' }, `Files in ${path}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'size' }, 'Size'), h('th', { scope: 'col', class: 'when' }, 'Modified'))),
      h('tbody', {}, ...shown.map(row))),
    ...(truncated ? [h('p', { class: 'muted small' }, 'Only the first 10,000 entries are shown.')] : []));
  }

  async function load() {
    if (!sb || status !== 'running') return;
    const want = ++seq;
    errEl.replaceChildren();
    renderCrumbs();
    if (!entries.length) list.replaceChildren(h('p', { class: 'muted small' }, spinner(), ' Loading…'));
    try {
      const r = await api.listFiles(sb, path);
      if (want !== seq) return;
      entries = r.entries || [];
      renderList(r.truncated);
    } catch (e) {
      if (want !== seq) return;
      // a sandbox without /workspace starts at /
      if (e.status === 404 && path === START && !triedStart) { triedStart = true; go('/'); return; }
      entries = [];
      list.replaceChildren();
      errEl.replaceChildren(h('p', {}, h('strong', {}, `Cannot list ${path}: `), e.message));
    }
  }

  function go(to) {
    path = to;
    entries = [];
    load();
  }

  function upload(file) {
    const target = join(path, file.name);
    const bar = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name}` });
    const state = h('span', { class: 'small muted' }, bytes(file.size));
    const item = h('li', { class: 'upload' }, h('span', { class: 'up-name' }, file.name), bar, state);
    uploads.append(item);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', sandboxdPath(sb, 'api/file/upload', { path: target }));
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = ev.loaded / ev.total; };
    const dir = path;
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 1;
        state.textContent = `${bytes(file.size)} · uploaded`;
        setTimeout(() => item.remove(), 4000);
        if (dir === path) load();
        return;
      }
      if (xhr.status === 401) signInNeeded();
      item.classList.add('failed');
      bar.remove();
      state.className = 'small error-text';
      state.setAttribute('role', 'alert');
      state.textContent = `failed: ${errorText(xhr)}`;
      item.append(h('button', { type: 'button', class: 'link small', onclick: () => item.remove() }, 'Dismiss'));
    };
    xhr.onerror = () => {
      item.classList.add('failed');
      bar.remove();
      state.className = 'small error-text';
      state.setAttribute('role', 'alert');
      state.textContent = 'failed: the server could not be reached';
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  }

  function uploadAll(files) {
    if (!sb || status !== 'running') return;
    const names = new Set(entries.map((e) => e.name));
    for (const f of files) {
      if (names.has(f.name) && !window.confirm(`${f.name} exists in ${path}. Replace it?`)) continue;
      upload(f);
    }
  }

  upBtn.onclick = () => go(parent(path));
  refreshBtn.onclick = () => load();
  hidden.onchange = () => renderList(false);
  picker.onchange = () => { uploadAll([...picker.files]); picker.value = ''; };
  uploadLbl.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); picker.click(); } };
  let depth = 0;
  body.addEventListener('dragenter', (e) => { if (e.dataTransfer?.types.includes('Files')) { depth++; body.classList.add('dragging'); } });
  body.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; body.classList.remove('dragging'); } });
  body.addEventListener('dragover', (e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } });
  body.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    body.classList.remove('dragging');
    uploadAll([...(e.dataTransfer?.files || [])]);
  });

  function apply() {
    const running = sb && status === 'running';
    for (const b of [upBtn, refreshBtn, picker]) b.disabled = !running || (b === upBtn && path === '/');
    uploadLbl.classList.toggle('disabled', !running);
    if (!running) {
      list.replaceChildren(h('p', { class: 'muted small' }, !sb ? 'No sandbox yet: it is made when the agent starts.' : `The sandbox is ${status || 'not running'}: its files show once it runs.`));
      return false;
    }
    return true;
  }

  return {
    el,
    activate() { active = true; if (apply()) load(); },
    show(sandboxId, sandboxStatus) {
      const changed = (sandboxId || null) !== sb || sandboxStatus !== status;
      if ((sandboxId || null) !== sb) { path = START; entries = []; triedStart = false; }
      sb = sandboxId || null;
      status = sandboxStatus;
      if (changed && active && apply()) load();
    },
  };
}
