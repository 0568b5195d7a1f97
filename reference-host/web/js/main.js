// The page's entry: routes, sign-out, and the redraw on every change of the address's hash.
import { token, whenUnauthorized } from './api.js';
import { render, setRoutes } from './router.js';
import { integrationView } from './views/integration.js';
import { installView } from './views/install.js';
import { installedView, libraryView } from './views/library.js';
import { signIn } from './views/signin.js';

const signedIn = (view) => (ctx, match, query) => (token.present() ? view(ctx, match, query) : signIn(ctx));

setRoutes([
  [/^\/install\/([^/]+)$/, signedIn(installView)],
  [/^\/integrations\/([^/]+)(?:\/([a-z-]+))?$/, signedIn(integrationView)],
  [/^\/integrations$/, signedIn(installedView)],
  [/^.*$/, signedIn(libraryView)],
]);

whenUnauthorized(() => void render());
document.getElementById('sign-out').addEventListener('click', () => {
  token.clear();
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();

// The skip link must not change the hash (that is the route): it moves the focus instead.
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
