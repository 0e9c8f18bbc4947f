/**
 * tempauth: Swift's built-in auth for tests and small clusters.
 *
 *   GET /auth/v1.0 with X-Auth-User: <account>:<user> and X-Auth-Key: <key>
 *   (or X-Storage-User / X-Storage-Pass) → 200 with X-Auth-Token, X-Storage-Token,
 *   X-Storage-Url (…/v1/AUTH_<account>) and X-Auth-Token-Expires.
 *
 * Users come from `[filter:tempauth]`: `user_<account>_<user> = <key> [group …] [storage_url]`
 * (or `user64_<base64 account>_<base64 user>`). Groups: `.admin` owns the account,
 * `.reseller_admin` owns every account. Tokens are stateless and signed (HMAC-SHA256 with
 * `token_secret`), so every proxy sharing the secret accepts them, and they expire after
 * `token_life` seconds; a user removed from the config loses access at once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfigSection } from '../../common/config.js';
import { groupAllowed, parseAcl, referrerAllowed } from '../acl.js';
import { markOwner, setAuthorizer, type AuthTarget } from '../identity.js';
import { textResponse, type ProxyRequest, type ProxyResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

interface User {
  account: string;
  user: string;
  key: string;
  groups: string[];
  storageUrl?: string;
}

interface Identity {
  account: string;
  user: string;
  groups: string[];
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const tempauth: FilterFactory = (conf, ctx) => {
  const resellerPrefix = conf.string('reseller_prefix', 'AUTH').replace(/_$/, '');
  const prefix = resellerPrefix === '' ? '' : `${resellerPrefix}_`;
  const authPrefix = `/${conf.string('auth_prefix', '/auth/').replace(/^\/|\/$/g, '')}/`;
  const tokenLife = conf.int('token_life', 86_400, { min: 1 });
  const secret = conf.string('token_secret', '') || randomBytes(32).toString('hex');
  const scheme = conf.choice('storage_url_scheme', ['default', 'http', 'https'], 'default');
  const users = readUsers(conf);
  ctx.capabilities.tempauth = { account_acls: true };

  const sign = (payload: string) =>
    createHmac('sha256', secret).update(payload).digest('base64url');

  function issueToken(user: User): { token: string; expires: number } {
    const expires = Math.floor(Date.now() / 1000) + tokenLife;
    const payload = Buffer.from(
      JSON.stringify({ a: user.account, u: user.user, e: expires }),
    ).toString('base64url');
    return { token: `${prefix}tk${payload}.${sign(payload)}`, expires };
  }

  function identityOf(token: string): Identity | undefined {
    const body = token.startsWith(`${prefix}tk`) ? token.slice(prefix.length + 2) : undefined;
    const dot = body?.indexOf('.') ?? -1;
    if (!body || dot < 0) return undefined;
    const payload = body.slice(0, dot);
    const given = Buffer.from(body.slice(dot + 1));
    const expected = Buffer.from(sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: { a?: string; u?: string; e?: number };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    if (typeof claims.e !== 'number' || claims.e * 1000 < Date.now()) return undefined;
    const user = users.get(`${claims.a}:${claims.u}`);
    if (!user) return undefined;
    return {
      account: user.account,
      user: user.user,
      groups: [user.account, `${user.account}:${user.user}`, ...user.groups],
    };
  }

  function handleAuth(req: ProxyRequest): ProxyResponse {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return textResponse(405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    const rest = req.rawPath.slice(authPrefix.length);
    if (rest !== 'v1.0' && rest !== 'auth' && !/^v1\/[^/]+\/auth$/.test(rest))
      return textResponse(400, 'Bad Request: unknown auth path');
    const login = req.headers['x-auth-user'] ?? req.headers['x-storage-user'];
    const key = req.headers['x-auth-key'] ?? req.headers['x-storage-pass'];
    const [account, userName] = splitLogin(login);
    const user = account === undefined ? undefined : users.get(`${account}:${userName}`);
    if (!user || key === undefined || !sameSecret(key, user.key)) {
      return textResponse(401, 'Unauthorized', {
        'Www-Authenticate': `Swift realm="${account ?? 'unknown'}"`,
      });
    }
    const { token, expires } = issueToken(user);
    const host = req.headers.host ?? `${ctx.config.bindIp}:${ctx.config.bindPort}`;
    const protocol = scheme === 'default' ? 'http' : scheme;
    const storageUrl = user.storageUrl ?? `${protocol}://${host}/v1/${prefix}${user.account}`;
    return {
      status: 200,
      headers: {
        'X-Auth-Token': token,
        'X-Storage-Token': token,
        'X-Storage-Url': storageUrl,
        'X-Auth-Token-Expires': expires - Math.floor(Date.now() / 1000),
        'Content-Type': 'text/plain; charset=utf-8',
      },
      body: '',
    };
  }

  function authorizeFor(identity: Identity | undefined) {
    return (req: ProxyRequest, target: AuthTarget): ProxyResponse | undefined => {
      const deny = (): ProxyResponse =>
        identity ? textResponse(403, 'Forbidden') : textResponse(401, 'Unauthorized');
      if (prefix !== '' && !target.account.startsWith(prefix)) return deny();
      const accountName = target.account.slice(prefix.length);
      if (identity?.groups.includes('.reseller_admin')) {
        markOwner(req);
        return undefined;
      }
      if (identity?.account === accountName && identity.groups.includes('.admin')) {
        // Owners do everything in their account but create or delete it (resellers do that).
        if (
          target.container === undefined &&
          (target.method === 'PUT' || target.method === 'DELETE')
        )
          return deny();
        markOwner(req);
        return undefined;
      }
      if (target.container === undefined) return deny();
      const reading = READ_METHODS.has(target.method);
      const acl = parseAcl(reading ? target.readAcl : target.writeAcl);
      if (identity && groupAllowed(acl, identity.groups)) return undefined;
      if (
        reading &&
        referrerAllowed(acl.referrers, req.headers.referer) &&
        (target.object !== undefined || acl.listings)
      ) {
        return undefined;
      }
      return deny();
    };
  }

  return async (req, next) => {
    if (req.rawPath.startsWith(authPrefix)) return handleAuth(req);
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    if (token !== undefined && prefix !== '' && token.startsWith(`${prefix}tk`)) {
      const identity = identityOf(token);
      if (!identity)
        return textResponse(401, 'Unauthorized', { 'Www-Authenticate': 'Swift realm="unknown"' });
      req.env.set('tempauth.identity', identity);
      setAuthorizer(req, authorizeFor(identity));
    } else if (token === undefined) {
      setAuthorizer(req, authorizeFor(undefined));
    } else {
      // A token for another auth system (e.g. Keystone): leave it to that filter.
      if (!req.env.has('swift.authorize')) setAuthorizer(req, authorizeFor(undefined));
    }
    return next(req);
  };
};

function splitLogin(login: string | undefined): [string | undefined, string | undefined] {
  const colon = login?.indexOf(':') ?? -1;
  if (!login || colon < 0) return [undefined, undefined];
  return [login.slice(0, colon), login.slice(colon + 1)];
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'compare').update(given).digest();
  const b = createHmac('sha256', 'compare').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readUsers(conf: ConfigSection): Map<string, User> {
  const users = new Map<string, User>();
  for (const key of conf.keys()) {
    let account: string;
    let user: string;
    if (key.startsWith('user64_')) {
      const [a = '', u = ''] = key.slice(7).split('_');
      account = Buffer.from(a, 'base64').toString('utf8');
      user = Buffer.from(u, 'base64').toString('utf8');
    } else if (key.startsWith('user_')) {
      const rest = key.slice(5);
      const underscore = rest.indexOf('_');
      if (underscore <= 0) continue;
      account = rest.slice(0, underscore);
      user = rest.slice(underscore + 1);
    } else {
      continue;
    }
    const [secret = '', ...extra] = conf.string(key).split(/\s+/);
    const storageUrl = extra.find((item) => /^https?:\/\//.test(item));
    const groups = extra.filter((item) => item !== storageUrl);
    users.set(`${account}:${user}`, {
      account,
      user,
      key: secret,
      groups,
      ...(storageUrl ? { storageUrl } : {}),
    });
  }
  return users;
}
