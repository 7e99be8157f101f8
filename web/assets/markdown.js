// markdown.js — the Markdown that models write, as DOM nodes: paragraphs,
// headings, fenced code, lists, quotes, inline code, bold, italics and
// http(s) links. Never innerHTML: anything else stays plain text.
import { h } from './dom.js';

const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(h('code', {}, m[2]));
    else if (m[3] || m[4]) out.push(h('strong', {}, inline(m[3] || m[4])));
    else if (m[5]) out.push(h('em', {}, inline(m[5])));
    else if (m[6]) out.push(h('a', { href: m[7], target: '_blank', rel: 'noopener noreferrer' }, m[6]));
    else if (m[8]) out.push(h('a', { href: m[8], target: '_blank', rel: 'noopener noreferrer' }, m[8]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Lines joined inside a paragraph keep their breaks: models mean them.
function lines(ls) {
  const out = [];
  ls.forEach((l, i) => { if (i) out.push(h('br')); out.push(...inline(l)); });
  return out;
}

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d+)[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;

export function markdown(src) {
  const root = h('div', { class: 'md' });
  const ls = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < ls.length) {
    const line = ls[i];
    let m;
    if (!line.trim()) { i++; continue; }
    if ((m = FENCE.exec(line))) {
      const code = [];
      for (i++; i < ls.length && !ls[i].trim().startsWith(m[1]); i++) code.push(ls[i]);
      i++;
      root.append(h('pre', { class: 'code', dataset: m[2] ? { lang: m[2] } : {} }, h('code', {}, code.join('\n'))));
    } else if ((m = HEADING.exec(line))) {
      root.append(h(`h${Math.min(6, m[1].length + 2)}`, {}, inline(m[2])));
      i++;
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const re = ordered ? NUMBERED : BULLET;
      const list = h(ordered ? 'ol' : 'ul');
      if (ordered) list.start = Number(NUMBERED.exec(line)[1]);
      while (i < ls.length && re.test(ls[i])) {
        const item = [re.exec(ls[i]).at(-1)];
        // continuation lines, indented
        for (i++; i < ls.length && /^\s{2,}\S/.test(ls[i]) && !re.test(ls[i]); i++) item.push(ls[i].trim());
        list.append(h('li', {}, lines(item)));
      }
      root.append(list);
    } else if (QUOTE.test(line)) {
      const q = [];
      for (; i < ls.length && QUOTE.test(ls[i]); i++) q.push(QUOTE.exec(ls[i])[1]);
      root.append(h('blockquote', {}, lines(q)));
    } else {
      const p = [];
      for (; i < ls.length && ls[i].trim() && !FENCE.test(ls[i]) && !HEADING.test(ls[i]) &&
        !BULLET.test(ls[i]) && !NUMBERED.test(ls[i]) && !QUOTE.test(ls[i]); i++) p.push(ls[i]);
      root.append(h('p', {}, lines(p)));
    }
  }
  return root;
}
