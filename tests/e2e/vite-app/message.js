// message.js — the text the page shows; the test rewrites this file on
// the host while the page is open (an HMR update, not a reload).
export const message = 'Hello from Vite in a handbox sandbox';
