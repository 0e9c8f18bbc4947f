/**
 * keystoneauth: Keystone tokens for the Swift API — Swift's authtoken and keystoneauth filters
 * in one. A token in X-Auth-Token (or X-Storage-Token) is validated with Keystone's v3 API
 * (cached for token_cache_time seconds, proxy/keystone/token-cache.ts); the project it is
 * scoped to owns the account `AUTH_<project id>`, and roles decide what the user may do there
 * (proxy/keystone/rules.ts): operator roles own it, reader roles read it, the reseller admin
 * role owns every account; container ACLs (`project:user`, ids or names) and — unlike Swift's
 * keystoneauth — account ACLs (X-Account-Access-Control, as tempauth's) grant the rest.
 *
 * It lives beside tempauth: a TempAuth token (`AUTH_tk…`) was claimed by tempauth before this
 * filter runs, and is left alone. As with authtoken's delay_auth_decision (on by default, as
 * Swift's keystone pipelines need it for public containers, TempURL and FormPost), a missing or
 * invalid token is anonymous (referrer ACLs may still let it read); with it off, both get 401
 * at once. 401s carry `Www-Authenticate: Keystone uri="<www_authenticate_uri>"`. When Keystone
 * cannot answer, the request gets 503, never a guess.
 */
import { ACCOUNT_ACL_SYSMETA, parseAccountAcls } from '../acl.js';
import type { ProxyContext } from '../context.js';
import {
  authorizerOverridden,
  clearOwner,
  markOwner,
  setAuthorizer,
  type AuthTarget,
} from '../identity.js';
import { readKeystoneAuthConfig, type KeystoneAuthConfig } from '../keystone/config.js';
import { KeystoneClient, KeystoneUnavailable } from '../keystone/keystone-client.js';
import {
  accountMatchesProject,
  accountPrefix,
  decide,
  decideAnonymous,
  projectDomainToRecord,
  type AccountFacts,
  type Decision,
  type DecisionInput,
} from '../keystone/rules.js';
import type { KeystoneIdentity } from '../keystone/token.js';
import { TokenCache } from '../keystone/token-cache.js';
import { allowNonOwner, showOwnerHeaders, takeAccountAcl } from '../owner-headers.js';
import { parseApiPath, type ApiPath } from '../path.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { swiftErrorBody } from '../../common/http-status.js';
import type { FilterFactory } from './types.js';

/** Where the validated identity is kept for later filters (Swift's `keystone.identity`). */
export const KEYSTONE_IDENTITY = 'keystone.identity';
/** The target account's facts, read before the (synchronous) authorizer runs. */
const ACCOUNT_FACTS = 'keystone.account_facts';
/** tempauth's mark on a request carrying one of its own tokens. */
const TEMPAUTH_IDENTITY = 'tempauth.identity';
const PROJECT_DOMAIN_SYSMETA = 'x-account-sysmeta-project-domain-id';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const keystoneauth: FilterFactory = (conf, ctx) => {
  const config = readKeystoneAuthConfig(conf);
  if (!config) {
    ctx.logger.info(
      'keystoneauth: no auth_url in [filter:keystoneauth]; Keystone tokens are not accepted',
    );
    return (req, next) => next(req);
  }
  // Swift lists keystoneauth with no settings; account ACLs are a Stratus addition.
  ctx.capabilities.keystoneauth = { account_acls: true };
  const client = new KeystoneClient(config, ctx.logger);
  const cache = new TokenCache(config.tokenCacheSeconds * 1000, (token) => client.validate(token));
  const challenge = `Keystone uri="${config.wwwAuthenticateUri}"`;
  const rules = config.rules;

  function refusal(status: 401 | 403): ProxyResponse {
    return {
      status,
      headers: {
        'Content-Type': 'text/html; charset=UTF-8',
        ...(status === 401 ? { 'Www-Authenticate': challenge } : {}),
      },
      body: swiftErrorBody(status),
    };
  }

  function apply(req: ProxyRequest, decision: Decision, identified: boolean) {
    req.log.debug({ allow: decision.allow, reason: decision.reason }, 'keystoneauth decision');
    if (!decision.allow) return refusal(identified ? 403 : 401);
    if (decision.owner) {
      markOwner(req);
      return undefined;
    }
    return allowNonOwner(req);
  }

  function inputOf(req: ProxyRequest, target: AuthTarget): DecisionInput {
    const facts = req.env.get(ACCOUNT_FACTS) as
      { account: string; facts: AccountFacts } | undefined;
    return {
      method: target.method,
      account: target.account,
      container: target.container,
      object: target.object,
      acl: READS.has(target.method) ? target.readAcl : target.writeAcl,
      referer: req.headers.referer,
      accountFacts: facts?.account === target.account ? facts.facts : undefined,
    };
  }

  const authorizeAs =
    (identity: KeystoneIdentity) =>
    (req: ProxyRequest, target: AuthTarget): ProxyResponse | undefined => {
      // A subrequest inherits its parent's env: ownership is decided again for its target.
      clearOwner(req);
      const input = inputOf(req, target);
      const domainId = projectDomainToRecord(rules, identity, input, input.accountFacts, (m) =>
        req.log.warn({ account: target.account }, m),
      );
      if (domainId !== undefined && req.headers[PROJECT_DOMAIN_SYSMETA] === undefined)
        req.headers[PROJECT_DOMAIN_SYSMETA] = domainId;
      // A malformed X-Account-Access-Control is 400 for anyone (as tempauth); only owners keep it.
      return takeAccountAcl(req) ?? apply(req, decide(rules, identity, input), true);
    };

  const authorizeAnonymous = (req: ProxyRequest, target: AuthTarget) =>
    takeAccountAcl(req) ?? apply(req, decideAnonymous(rules, inputOf(req, target)), false);

  return async (req, next) => {
    if (config.allowOverrides && authorizerOverridden(req)) return next(req);
    if (req.env.has(TEMPAUTH_IDENTITY)) return next(req);
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    let identity: KeystoneIdentity | undefined;
    if (token === undefined || token === '') {
      // authtoken without delay_auth_decision turns away every request without a token.
      if (!config.delayAuthDecision) return refusal(401);
    } else {
      let validation;
      try {
        validation = await cache.get(token);
      } catch (err) {
        if (!(err instanceof KeystoneUnavailable)) throw err;
        return unavailable();
      }
      if (validation.valid) identity = validation.identity;
      else if (!config.delayAuthDecision) return refusal(401);
    }
    const path = apiPathOf(req);
    if (identity) {
      req.env.set(KEYSTONE_IDENTITY, identity);
      if (identity.roles.some((role) => role.toLowerCase() === rules.resellerAdminRole))
        req.env.set('reseller_request', true);
      if (path && needsAccountFacts(config, identity, req.method, path))
        await loadAccountFacts(ctx, req, path.account);
      setAuthorizer(req, authorizeAs(identity));
    } else if (!req.env.has('swift.authorize')) {
      // tempauth (when in the pipeline) has already set the same anonymous rules.
      setAuthorizer(req, authorizeAnonymous);
    }
    const response = await next(req);
    if (response.status === 401 && !hasHeader(response, 'www-authenticate'))
      response.headers['Www-Authenticate'] = challenge;
    if (path && path.object === undefined) {
      showOwnerHeaders(req, response);
      showProjectDomain(response);
    }
    return response;
  };
};

function unavailable(): ProxyResponse {
  return {
    status: 503,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Service Unavailable: the identity service (Keystone) cannot validate tokens now. Try again later.\n',
  };
}

/**
 * The account's ACLs and project domain are read (one cached HEAD) only when they can matter:
 * for another project's account (ACLs, names in ACLs), and for writes that may create or
 * update the user's own account (recording its project's domain).
 */
function needsAccountFacts(
  config: KeystoneAuthConfig,
  identity: KeystoneIdentity,
  method: string,
  path: ApiPath,
): boolean {
  const rules = config.rules;
  if (accountPrefix(rules, path.account) === undefined) return false;
  const mayRecordDomain =
    path.object === undefined &&
    (path.container === undefined ? method === 'PUT' || method === 'POST' : method === 'PUT');
  if (mayRecordDomain) return true;
  const resellerAdmin = identity.roles.some((r) => r.toLowerCase() === rules.resellerAdminRole);
  return !resellerAdmin && !accountMatchesProject(rules, path.account, identity.project?.id);
}

async function loadAccountFacts(ctx: ProxyContext, req: ProxyRequest, account: string) {
  let info: Awaited<ReturnType<ProxyContext['info']['account']>>;
  try {
    info = await ctx.info.account(account, req.txId);
  } catch (err) {
    // Fail closed: without the facts, account ACLs and names in ACLs grant nothing.
    req.log.warn({ err, account }, 'keystoneauth: account unreadable');
    return;
  }
  if (info.status >= 500) return;
  const exists = info.status >= 200 && info.status < 300;
  const rawAcl = info.headers[ACCOUNT_ACL_SYSMETA];
  const acls = rawAcl
    ? parseAccountAcls(Buffer.from(rawAcl, 'latin1').toString('utf8'))
    : undefined;
  const domainId = info.headers[PROJECT_DOMAIN_SYSMETA];
  const facts: AccountFacts = {
    exists,
    ...(exists && domainId !== undefined ? { domainId } : {}),
    ...(exists && acls ? { acls } : {}),
  };
  req.env.set(ACCOUNT_FACTS, { account, facts });
}

/** Swift shows the recorded project domain as X-Account-Project-Domain-Id. */
function showProjectDomain(response: ProxyResponse): void {
  for (const name of Object.keys(response.headers)) {
    if (name.toLowerCase() === PROJECT_DOMAIN_SYSMETA)
      response.headers['X-Account-Project-Domain-Id'] = response.headers[name]!;
  }
}

function hasHeader(response: ProxyResponse, lower: string): boolean {
  return Object.keys(response.headers).some((name) => name.toLowerCase() === lower);
}

function apiPathOf(req: ProxyRequest): ApiPath | undefined {
  try {
    return parseApiPath(req.rawPath);
  } catch {
    return undefined; // the controller answers for a bad path
  }
}
