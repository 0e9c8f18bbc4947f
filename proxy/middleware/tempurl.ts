/**
 * tempurl: signed, expiring links to one object (or every object under a prefix), Swift's
 * TempURL. A request with `temp_url_sig` and `temp_url_expires` is checked against the
 * account's and container's Temp-URL keys (see ../tempurl/); when it holds, it goes on without
 * a token, authorized for that account (account key) or container (container key) only, and
 * the auth filter leaves that decision alone. Anything wrong — forged, expired, wrong method,
 * wrong path, wrong client address — is the same 401 "Temp URL invalid", and nothing happens.
 *
 * Settings ([filter:tempurl]): `methods` (GET HEAD PUT POST DELETE), `allowed_digests`
 * (sha1 sha256 sha512), `incoming_remove_headers` / `incoming_allow_headers` (x-timestamp /
 * none) and `outgoing_remove_headers` / `outgoing_allow_headers` (x-object-meta-* /
 * x-object-meta-public-*), names ending in `*` matching a prefix.
 */
import { StratusError } from '../../common/errors.js';
import { titleCase } from '../../common/headers.js';
import { statusOnly } from '../controllers/helpers.js';
import { overrideAuthorizer, type Authorizer } from '../identity.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { headerRemover } from '../tempurl/header-rules.js';
import { tempUrlKeys } from '../tempurl/keys.js';
import { readAllowedDigests } from '../tempurl/signature.js';
import {
  contentDisposition,
  isTempUrlRequest,
  readTempUrlParams,
  tempUrlTarget,
  verifyTempUrl,
  type TempUrlGrant,
  type TempUrlParams,
} from '../tempurl/verify.js';
import { quote } from '../web-quoting.js';
import type { FilterFactory } from './types.js';

/** Where a verified TempURL is kept for filters further down (StaticWeb's listing links). */
export const TEMPURL_ENV = 'tempurl.verified';

export interface VerifiedTempUrl {
  params: TempUrlParams;
  grant: TempUrlGrant;
}

export function verifiedTempUrl(req: ProxyRequest): VerifiedTempUrl | undefined {
  return req.env.get(TEMPURL_ENV) as VerifiedTempUrl | undefined;
}

/**
 * Headers a TempURL upload may not carry: they would make the new object a pointer to data
 * the link was never meant to reach.
 */
const DISALLOWED_INCOMING = ['x-object-manifest', 'x-symlink-target'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const tempurl: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown([
    'use',
    'methods',
    'allowed_digests',
    'incoming_remove_headers',
    'incoming_allow_headers',
    'outgoing_remove_headers',
    'outgoing_allow_headers',
  ]);
  const words = (key: string, fallback: string) =>
    conf.string(key, fallback).split(/\s+/).filter(Boolean);
  const methods = words('methods', 'GET HEAD PUT POST DELETE');
  const incomingRemove = words('incoming_remove_headers', 'x-timestamp');
  const incomingAllow = words('incoming_allow_headers', '');
  const outgoingRemove = words('outgoing_remove_headers', 'x-object-meta-*');
  const outgoingAllow = words('outgoing_allow_headers', 'x-object-meta-public-*');
  const digests = readAllowedDigests(conf, ctx.logger);
  ctx.capabilities.tempurl = {
    methods,
    incoming_remove_headers: incomingRemove,
    incoming_allow_headers: incomingAllow,
    outgoing_remove_headers: outgoingRemove,
    outgoing_allow_headers: outgoingAllow,
    allowed_digests: digests.allowed,
    ...(digests.deprecated.length > 0 ? { deprecated_digests: digests.deprecated } : {}),
  };
  const removeIncoming = headerRemover(incomingRemove, incomingAllow);
  const removeOutgoing = headerRemover(outgoingRemove, outgoingAllow);

  return async (req, next) => {
    if (req.method === 'OPTIONS') return next(req);
    const params = readTempUrlParams(req.query);
    if (!isTempUrlRequest(params)) return next(req);
    const target = tempUrlTarget(req.method, req.rawPath, methods);
    const grant =
      target &&
      (await verifyTempUrl({
        method: req.method,
        target,
        params,
        clientIp: req.clientIp,
        allowedDigests: digests.allowed,
        nowSeconds: Date.now() / 1000,
        loadKeys: () => tempUrlKeys(ctx, req.txId, target.account, target.container),
      }));
    if (!grant) return invalid(req);

    if (!SAFE_METHODS.has(req.method)) {
      for (const name of DISALLOWED_INCOMING) {
        if (req.headers[name] !== undefined) {
          throw new StratusError(
            'BAD_REQUEST',
            `The header '${titleCase(name)}' is not allowed in this tempurl`,
          );
        }
      }
    }
    for (const name of Object.keys(req.headers)) if (removeIncoming(name)) delete req.headers[name];
    overrideAuthorizer(req, grantAuthorizer(grant));
    req.env.set(TEMPURL_ENV, { params, grant } satisfies VerifiedTempUrl);
    // Only the TempURL's own parameters go on: a signed link cannot be stretched with extra
    // query options (multipart-manifest=get, symlink=get, …).
    req.query = keptQuery(params, grant);

    const response = await next(req);
    for (const name of Object.keys(response.headers))
      if (removeOutgoing(name)) delete response.headers[name];
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      response.status < 300 &&
      response.status >= 200
    )
      addDownloadHeaders(response, params, grant);
    return response;
  };
};

/** Lets the request (and its subrequests) reach only the account or container the key covers. */
function grantAuthorizer(grant: TempUrlGrant): Authorizer {
  return (_req, target) => {
    const inScope =
      target.account === grant.account &&
      (grant.scope === 'account' || target.container === grant.container);
    return inScope ? undefined : statusOnly(401);
  };
}

function keptQuery(params: TempUrlParams, grant: TempUrlGrant): URLSearchParams {
  const query = new URLSearchParams({
    temp_url_sig: params.sig ?? '',
    temp_url_expires: String(grant.expires),
  });
  if (params.prefix !== undefined) query.set('temp_url_prefix', params.prefix);
  if (params.filename) query.set('filename', params.filename);
  return query;
}

function addDownloadHeaders(
  response: ProxyResponse,
  params: TempUrlParams,
  grant: TempUrlGrant,
): void {
  let existing: string | undefined;
  for (const name of Object.keys(response.headers)) {
    if (name.toLowerCase() === 'content-disposition') {
      existing = String(response.headers[name]);
      delete response.headers[name];
    } else if (name.toLowerCase() === 'expires') {
      delete response.headers[name];
    }
  }
  response.headers['Content-Disposition'] = contentDisposition(
    params,
    existing,
    grant.object,
    quote,
  );
  // Caches may keep the download no longer than the link is good for.
  response.headers.Expires = new Date(grant.expires * 1000).toUTCString();
}

function invalid(req: ProxyRequest): ProxyResponse {
  const segment = req.rawPath.split('/')[2];
  const realm = segment && segment !== 'auth' ? segment : 'unknown';
  return {
    status: 401,
    headers: {
      'Content-Type': 'text/html; charset=UTF-8',
      'Www-Authenticate': `Swift realm="${realm}"`,
    },
    body: req.method === 'HEAD' ? undefined : '401 Unauthorized: Temp URL invalid\n',
  };
}
