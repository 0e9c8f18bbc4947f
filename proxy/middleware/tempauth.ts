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
 *
 * Account ACLs (X-Account-Access-Control, see acl.ts) are checked as Swift's TempAuth does:
 * after ownership and container ACLs. Only owners may set them (a malformed one is 400 for
 * anyone); they are kept as system metadata and shown back to owners only.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfigSection } from '../../common/config.js';
import {
  ACCOUNT_ACL_SYSMETA,
  accountAccess,
  groupAllowed,
  parseAccountAcls,
  parseAcl,
  referrerAllowed,
  type AccountAcls,
} from '../acl.js';
import type { ProxyContext } from '../context.js';
import { authorizerOverridden, markOwner, setAuthorizer, type AuthTarget } from '../identity.js';
import { allowNonOwner, showOwnerHeaders, takeAccountAcl } from '../owner-headers.js';
import { parseApiPath } from '../path.js';
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
const VERIFIED_TOKENS_KEPT = 10_000;

/** The account ACLs of the request's account, read before the controllers authorize. */
const ACCOUNT_ACLS = 'tempauth.account_acls';

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

  // Tokens already verified, until they expire: checking the HMAC on every request cost 4% of
  // the proxy's CPU on small GETs (bench/README.md). Cleared whole when full.
  const verified = new Map<string, { identity: Identity; expiresMs: number }>();

  function identityOf(token: string): Identity | undefined {
    const hit = verified.get(token);
    if (hit) {
      if (hit.expiresMs >= Date.now()) return { ...hit.identity, groups: [...hit.identity.groups] };
      verified.delete(token);
      return undefined;
    }
    const identity = verifyToken(token);
    if (identity) {
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.clear();
      verified.set(token, identity);
      return { ...identity.identity, groups: [...identity.identity.groups] };
    }
    return undefined;
  }

  function verifyToken(token: string): { identity: Identity; expiresMs: number } | undefined {
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
      identity: {
        account: user.account,
        user: user.user,
        groups: [user.account, `${user.account}:${user.user}`, ...user.groups],
      },
      expiresMs: claims.e * 1000,
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
      const invalidAcl = takeAccountAcl(req);
      if (invalidAcl) return invalidAcl;
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
      const reading = READ_METHODS.has(target.method);
      if (target.container !== undefined) {
        const acl = parseAcl(reading ? target.readAcl : target.writeAcl);
        if (identity && groupAllowed(acl, identity.groups)) return allowNonOwner(req);
        if (
          reading &&
          referrerAllowed(acl.referrers, req.headers.referer) &&
          (target.object !== undefined || acl.listings)
        ) {
          return allowNonOwner(req);
        }
      }
      const stored = req.env.get(ACCOUNT_ACLS) as
        { account: string; acls: AccountAcls } | undefined;
      const access =
        identity && stored?.account === target.account
          ? accountAccess(stored.acls, identity.groups)
          : undefined;
      if (access === 'admin') {
        if (
          target.container === undefined &&
          (target.method === 'PUT' || target.method === 'DELETE')
        )
          return deny();
        markOwner(req);
        return undefined;
      }
      // read-write: anything in containers and objects, but only reads of the account.
      if (access === 'read-write' && (target.container !== undefined || reading))
        return allowNonOwner(req);
      if (access === 'read-only' && reading) return allowNonOwner(req);
      return deny();
    };
  }

  return async (req, next) => {
    // TempURL or FormPost authorized this request already (Swift's allow_overrides).
    if (authorizerOverridden(req)) return next(req);
    if (req.rawPath.startsWith(authPrefix)) return handleAuth(req);
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    const path = apiPathOf(req);
    if (token !== undefined && prefix !== '' && token.startsWith(`${prefix}tk`)) {
      const identity = identityOf(token);
      if (!identity)
        return textResponse(401, 'Unauthorized', { 'Www-Authenticate': 'Swift realm="unknown"' });
      req.env.set('tempauth.identity', identity);
      // Swift's environ flag: reseller admins may set account quotas (account_quotas reads it).
      if (identity.groups.includes('.reseller_admin')) req.env.set('reseller_request', true);
      else if (path && !ownsAccount(identity, path.account))
        await loadAccountAcls(req, path.account);
      setAuthorizer(req, authorizeFor(identity));
    } else if (token === undefined) {
      setAuthorizer(req, authorizeFor(undefined));
    } else {
      // A token for another auth system (e.g. Keystone): leave it to that filter.
      if (!req.env.has('swift.authorize')) setAuthorizer(req, authorizeFor(undefined));
    }
    const response = await next(req);
    if (path && path.object === undefined) showOwnerHeaders(req, response);
    return response;
  };

  function ownsAccount(identity: Identity, account: string): boolean {
    return account === `${prefix}${identity.account}` && identity.groups.includes('.admin');
  }

  /** Reads the account's ACLs (cached account info) for the synchronous authorizer. */
  async function loadAccountAcls(req: ProxyRequest, account: string): Promise<void> {
    if (prefix !== '' && !account.startsWith(prefix)) return;
    let info: Awaited<ReturnType<ProxyContext['info']['account']>>;
    try {
      info = await ctx.info.account(account, req.txId);
    } catch (err) {
      // Fail closed: without the ACLs they grant nothing (ownership and container ACLs still do).
      req.log.warn({ err, account }, 'account ACLs unreadable');
      return;
    }
    if (info.status < 200 || info.status >= 300) return;
    const raw = info.headers[ACCOUNT_ACL_SYSMETA];
    const acls =
      raw === undefined ? undefined : parseAccountAcls(Buffer.from(raw, 'latin1').toString('utf8'));
    if (acls) req.env.set(ACCOUNT_ACLS, { account, acls });
    else if (raw) req.log.warn({ account }, 'invalid account ACL stored in metadata');
  }
};

function apiPathOf(req: ProxyRequest): ReturnType<typeof parseApiPath> {
  try {
    return parseApiPath(req.rawPath);
  } catch {
    return undefined; // the controller answers for a bad path
  }
}

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
