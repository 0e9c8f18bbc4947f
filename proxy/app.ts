/**
 * The proxy application at the end of the pipeline (Swift's proxy-server app): picks the
 * controller from the path.
 */
import type { ProxyContext } from './context.js';
import { accountRequest } from './controllers/account.js';
import { containerRequest } from './controllers/container.js';
import { statusOnly } from './controllers/helpers.js';
import { infoRequest } from './controllers/info.js';
import { objectRequest } from './controllers/object.js';
import { parseApiPath } from './path.js';
import type { App } from './pipeline.js';

export function proxyApp(ctx: ProxyContext): App {
  return async (req) => {
    if (req.rawPath === '/info') return infoRequest(ctx, req);
    const path = parseApiPath(req.rawPath);
    if (!path) return statusOnly(404);
    if (path.object !== undefined)
      return objectRequest(ctx, req, path.account, path.container!, path.object);
    if (path.container !== undefined)
      return containerRequest(ctx, req, path.account, path.container);
    return accountRequest(ctx, req, path.account);
  };
}
