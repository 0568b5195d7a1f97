// The integration guide's troubleshooting table, where the page can tell which row applies, in the
// vendor's name (the manifest's), never in words of one vendor.
import { h } from './dom.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function isLoopback(endpoint) {
  try {
    return LOOPBACK.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * A connection that found nobody at a loopback endpoint (one the plugin's summary names): almost
 * always the vendor's sandbox not running. Answers the hint element, or null when it does not apply.
 */
export function sandboxHint(endpoint, code, vendor) {
  if (code !== 'network_error' || !endpoint || !isLoopback(endpoint)) return null;
  return h('p', { class: 'hint', role: 'note' },
    `The ${vendor} sandbox at ${endpoint} does not answer; `, h('code', {}, 'npm start'), ' runs one on port 8085 (', h('code', {}, 'npm run sandbox'), ' runs it alone).');
}

/** The guide's row for an HTTP status the vendor answered, if it has one. */
export function guideHint(httpStatus, vendor) {
  if (httpStatus === 401 || httpStatus === 403) return `Guide: verify the credentials match the correct environment in ${vendor} settings.`;
  if (httpStatus === 400) return `Guide: a 400 means ${vendor} refused the payload; its answer below says which field.`;
  return null;
}
