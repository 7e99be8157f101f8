// diff.js — a line diff of a file edit (FileEditorObservation old_content
// → new_content), as hunks with 3 lines of context, like the CLI's
// (src/cli/line_diff.c).

function splitLines(s) {
  if (s === null || s === undefined) return [];
  const ls = String(s).split('\n');
  if (ls.length && ls[ls.length - 1] === '') ls.pop();
  return ls;
}

// Edit script of a and b (arrays of lines) as [op, line] with op ' ', '-'
// or '+'. The common head and tail are taken first; the middle uses an LCS
// table, or, when too big for that, is shown as removed then added.
export function diffLines(oldText, newText) {
  const a = splitLines(oldText), b = splitLines(newText);
  let s = 0;
  while (s < a.length && s < b.length && a[s] === b[s]) s++;
  let ea = a.length, eb = b.length;
  while (ea > s && eb > s && a[ea - 1] === b[eb - 1]) { ea--; eb--; }
  const out = [];
  for (let i = 0; i < s; i++) out.push([' ', a[i], i + 1, i + 1]);
  const n = ea - s, m = eb - s;
  if (n * m > 4_000_000) {
    for (let i = s; i < ea; i++) out.push(['-', a[i], i + 1, null]);
    for (let j = s; j < eb; j++) out.push(['+', b[j], null, j + 1]);
  } else {
    // lcs[i][j]: the longest common subsequence of a[s+i..] and b[s+j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[s + i] === b[s + j] ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[s + i] === b[s + j]) { out.push([' ', a[s + i], s + i + 1, s + j + 1]); i++; j++; }
      else if (i < n && (j >= m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) { out.push(['-', a[s + i], s + i + 1, null]); i++; }
      else { out.push(['+', b[s + j], null, s + j + 1]); j++; }
    }
  }
  for (let i = ea, j = eb; i < a.length; i++, j++) out.push([' ', a[i], i + 1, j + 1]);
  return out;
}

// The changed lines with `context` lines around them; a gap between two
// hunks is a row ['@', 'N unchanged lines'].
export function hunks(ops, context = 3) {
  const keep = new Uint8Array(ops.length);
  ops.forEach((o, k) => {
    if (o[0] === ' ') return;
    for (let x = Math.max(0, k - context); x <= Math.min(ops.length - 1, k + context); x++) keep[x] = 1;
  });
  // a gap of one or two lines is shown rather than named
  for (let k = 0, last = -1; k < ops.length; k++) {
    if (!keep[k]) continue;
    if (last >= 0 && k - last - 1 <= 2) keep.fill(1, last + 1, k);
    last = k;
  }
  const out = [];
  let skipped = 0;
  ops.forEach((o, k) => {
    if (keep[k]) {
      if (skipped) out.push(['@', `${skipped} unchanged line${skipped === 1 ? '' : 's'}`]);
      skipped = 0;
      out.push(o);
    } else skipped++;
  });
  if (skipped && out.length) out.push(['@', `${skipped} unchanged line${skipped === 1 ? '' : 's'}`]);
  return out;
}

export function diffStats(ops) {
  let added = 0, removed = 0;
  for (const o of ops) { if (o[0] === '+') added++; else if (o[0] === '-') removed++; }
  return { added, removed };
}
