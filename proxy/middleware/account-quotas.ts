/**
 * account_quotas: a byte (and object) cap on a whole account, which only a reseller admin
 * may set, change or remove —
 *
 *   X-Account-Meta-Quota-Bytes   the classic form (user metadata, still honoured)
 *   X-Account-Quota-Bytes        Swift's newer form, kept as X-Account-Sysmeta-Quota-Bytes
 *   X-Account-Quota-Count        most objects, kept as X-Account-Sysmeta-Quota-Count
 *
 * (and X-Remove-… of each). Anyone else sending one gets 403; a reseller sending a value that
 * is not digits gets 400. An object PUT that would take the account over its quota gets
 * `413 Upload exceeds quota.` — once the request is known to be authorised, so nobody learns
 * about an account they cannot write to. Resellers are not held to quotas; DELETEs never are.
 * Like container quotas, the check uses the cached account info and cannot stop a chunked
 * upload already in progress. Account HEAD/GET show the newer-form quotas to every reader.
 */
import { StratusError } from '../../common/errors.js';
import { setAuthorizer, type Authorizer } from '../identity.js';
import { parseApiPath } from '../path.js';
import { textResponse, type ProxyRequest, type ProxyResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

const DIGITS = /^\d+$/;
const QUOTA_KINDS = ['bytes', 'count'] as const;

/** Set by the auth filter for reseller admins (Swift's `reseller_request`). */
export const RESELLER_REQUEST = 'reseller_request';

export interface AccountUsage {
  bytes: number;
  objects: number;
  /** Sysmeta quotas (newer form) and the legacy user-metadata byte quota. */
  quotaBytes?: string;
  quotaCount?: string;
  legacyQuotaBytes?: string;
}

const quotaOf = (text: string | undefined): number | undefined =>
  text !== undefined && DIGITS.test(text) ? Number(text) : undefined;

/** True when `length` more bytes as one more object break a quota (sysmeta first, as Swift). */
export function exceedsAccountQuota(usage: AccountUsage, length: number): boolean {
  const bytesQuota = quotaOf(usage.quotaBytes) ?? quotaOf(usage.legacyQuotaBytes);
  if (bytesQuota !== undefined && bytesQuota < usage.bytes + length) return true;
  const countQuota = quotaOf(usage.quotaCount);
  return countQuota !== undefined && countQuota < usage.objects + 1;
}

/**
 * The quota changes an account PUT/POST asks for: undefined when it asks none. A removal
 * wins over a value sent with it. Throws 400 for a value that is not digits.
 */
export function requestedQuotas(
  headers: Record<string, string>,
): { legacy?: string; bytes?: string; count?: string } | undefined {
  const changes: { legacy?: string; bytes?: string; count?: string } = {};
  const legacy = headers['x-account-meta-quota-bytes'];
  if (headers['x-remove-account-meta-quota-bytes']) changes.legacy = '';
  else if (legacy !== undefined) changes.legacy = legacy;
  for (const kind of QUOTA_KINDS) {
    if (headers[`x-remove-account-quota-${kind}`]) changes[kind] = '';
    else if (headers[`x-account-quota-${kind}`] !== undefined)
      changes[kind] = headers[`x-account-quota-${kind}`];
  }
  if (Object.keys(changes).length === 0) return undefined;
  for (const value of Object.values(changes))
    if (value !== '' && !DIGITS.test(value)) throw new StratusError('BAD_REQUEST', 'Bad Request');
  return changes;
}

const number = (text: string | undefined): number => (text && DIGITS.test(text) ? Number(text) : 0);

export const accountQuotas: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown(['use']);
  ctx.capabilities.account_quotas = {};

  async function accountRequest(
    req: ProxyRequest,
    next: (req: ProxyRequest) => Promise<ProxyResponse>,
  ): Promise<ProxyResponse> {
    if (req.method === 'POST' || req.method === 'PUT') {
      const reseller = req.env.get(RESELLER_REQUEST) === true;
      let changes: ReturnType<typeof requestedQuotas>;
      try {
        changes = requestedQuotas(req.headers);
      } catch (err) {
        if (reseller) throw err;
        changes = {};
      }
      if (changes && !reseller) return textResponse(403, 'Forbidden');
      for (const kind of QUOTA_KINDS) {
        delete req.headers[`x-account-quota-${kind}`];
        delete req.headers[`x-remove-account-quota-${kind}`];
        const value = changes?.[kind];
        if (value !== undefined) req.headers[`x-account-sysmeta-quota-${kind}`] = value;
      }
      if (changes?.legacy === '') req.headers['x-account-meta-quota-bytes'] = '';
    }
    const response = await next(req);
    // Everyone who may read the account may see its quotas (the gatekeeper hides sysmeta).
    for (const [name, value] of Object.entries(response.headers)) {
      const kind = /^x-account-sysmeta-quota-(bytes|count)$/i.exec(name)?.[1]?.toLowerCase();
      if (kind && value !== '') response.headers[`X-Account-Quota-${titleCase(kind)}`] = value;
    }
    return response;
  }

  return async (req, next) => {
    const path = parseApiPath(req.rawPath);
    if (!path) return next(req);
    if (path.container === undefined) return accountRequest(req, next);
    if (req.method !== 'PUT' || path.object === undefined) return next(req);
    if (req.env.get(RESELLER_REQUEST) === true) return next(req);
    const info = await ctx.info.account(path.account, req.txId);
    if (info.status < 200 || info.status >= 300) return next(req);
    const usage: AccountUsage = {
      bytes: number(info.headers['x-account-bytes-used']),
      objects: number(info.headers['x-account-object-count']),
      quotaBytes: info.headers['x-account-sysmeta-quota-bytes'],
      quotaCount: info.headers['x-account-sysmeta-quota-count'],
      legacyQuotaBytes: info.headers['x-account-meta-quota-bytes'],
    };
    if (exceedsAccountQuota(usage, number(req.headers['content-length']))) {
      // Refuse only once the controller has authorised the request (401/403 win).
      const original = req.env.get('swift.authorize') as Authorizer | undefined;
      if (!original) throw new StratusError('TOO_LARGE', 'Upload exceeds quota.');
      setAuthorizer(req, (request, target) => {
        const denied = original(request, target);
        if (denied) return denied;
        return textResponse(413, 'Upload exceeds quota.');
      });
    }
    return next(req);
  };
};

const titleCase = (word: string): string => word[0]!.toUpperCase() + word.slice(1);
