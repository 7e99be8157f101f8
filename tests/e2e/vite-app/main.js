// main.js — shows message.js's text and the origin the page came from
// (the proxy's sub-domain, for the screenshots). Accepting its own
// updates makes this module the HMR boundary: a change of message.js
// re-runs it in the open page instead of reloading the page.
import { message } from './message.js';

document.querySelector('#app').textContent = message;
document.querySelector('#where').textContent = `served to ${location.origin}`;

if (import.meta.hot) import.meta.hot.accept();
