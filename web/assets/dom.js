// dom.js — building DOM nodes without innerHTML: text from the server is
// always set as text, never parsed as markup.

// h('div', {class: 'x', onclick: f, 'aria-label': 'y'}, child, 'text', [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A timer that shows the seconds since `since` in `el` until stopped.
export function elapsed(el, since = Date.now(), fmt = (s) => `${s} s`) {
  const tick = () => { el.textContent = fmt(Math.max(0, Math.floor((Date.now() - since) / 1000))); };
  tick();
  const id = setInterval(tick, 1000);
  return () => clearInterval(id);
}

export function spinner(label) {
  return h('span', { class: 'spinner', role: 'img', 'aria-label': label || 'working' });
}
