import { h, notice } from '../dom.js';
import { show } from '../router.js';

export function errorView(ctx, error) {
  show(ctx, 'Error',
    h('h1', {}, 'Something went wrong'),
    notice('bad', error?.message ?? String(error)),
    h('p', {}, h('a', { href: '#/library' }, 'Back to the Integration Library')));
}
