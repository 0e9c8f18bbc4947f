/**
 * Pre-authorized subrequests (Swift's `make_pre_authed_request`): once a middleware has
 * checked that the user may do what they asked (e.g. overwrite a versioned object), the
 * bookkeeping it does on their behalf — reading the current version, listing the archive —
 * must not fail for want of a read ACL. The subrequest is allowed exactly its own method and
 * path; anything else it leads to (a symlink target, say) is still decided by the user's own
 * authorizer.
 */
import { authorize, isOwner, markOwner, setAuthorizer } from './identity.js';
import { parseApiPath } from './path.js';
import type { ProxyRequest } from './pipeline.js';

export function preauthorize(sub: ProxyRequest): ProxyRequest {
  const path = parseApiPath(sub.rawPath);
  // The user's authorizer, seen through a snapshot of the env taken before ours replaces it.
  const asUser: ProxyRequest = { ...sub, env: new Map(sub.env) };
  const method = sub.method;
  setAuthorizer(sub, (req, target) => {
    if (
      path &&
      target.method === method &&
      target.account === path.account &&
      target.container === path.container &&
      target.object === path.object
    ) {
      return undefined;
    }
    const denied = authorize({ ...asUser, headers: req.headers }, target);
    if (!denied && isOwner(asUser)) markOwner(req);
    return denied;
  });
  return sub;
}
