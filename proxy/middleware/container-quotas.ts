/**
 * container_quotas: caps on a container set by whoever may set its metadata —
 *
 *   X-Container-Meta-Quota-Bytes   most bytes the container may hold
 *   X-Container-Meta-Quota-Count   most objects it may hold
 *
 * An object PUT that would go over (the container's cached byte and object counts plus the
 * upload's Content-Length, or one more object) gets `413 Upload exceeds quota.` before any
 * data is read. As in Swift the check is only as fresh as the cached container info
 * (recheck_container_existence), and a chunked upload, whose size is unknown, is let through
 * while the container is still under its quota. A copy arrives here as the copy filter's PUT
 * of the source's length, so copies are capped too. The quotas must be digits (400 otherwise).
 */
import { StratusError } from '../../common/errors.js';
import { authorize } from '../identity.js';
import { parseApiPath } from '../path.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

const DIGITS = /^\d+$/;

export interface ContainerUsage {
  bytes: number;
  objects: number;
  quotaBytes?: string;
  quotaCount?: string;
}

/**
 * True when storing `length` more bytes as one more object breaks a quota. Quotas that are
 * not plain digits are ignored, as Swift does with metadata set before the filter was on.
 */
export function exceedsContainerQuota(usage: ContainerUsage, length: number): boolean {
  if (usage.quotaBytes !== undefined && DIGITS.test(usage.quotaBytes)) {
    if (Number(usage.quotaBytes) < usage.bytes + length) return true;
  }
  if (usage.quotaCount !== undefined && DIGITS.test(usage.quotaCount)) {
    if (Number(usage.quotaCount) < usage.objects + 1) return true;
  }
  return false;
}

/** 400 for quota metadata that is neither empty (removal) nor digits. */
export function checkQuotaHeaders(headers: Record<string, string>): void {
  const bytes = headers['x-container-meta-quota-bytes'];
  if (bytes && !DIGITS.test(bytes)) throw new StratusError('BAD_REQUEST', 'Invalid bytes quota.');
  const count = headers['x-container-meta-quota-count'];
  if (count && !DIGITS.test(count)) throw new StratusError('BAD_REQUEST', 'Invalid count quota.');
}

const number = (text: string | undefined): number => (text && DIGITS.test(text) ? Number(text) : 0);

export const containerQuotas: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown(['use']);
  ctx.capabilities.container_quotas = {};

  return async (req: ProxyRequest, next): Promise<ProxyResponse> => {
    const path = parseApiPath(req.rawPath);
    if (!path || path.container === undefined) return next(req);
    if (path.object === undefined) {
      if (req.method === 'PUT' || req.method === 'POST') checkQuotaHeaders(req.headers);
      return next(req);
    }
    if (req.method !== 'PUT') return next(req);
    const info = await ctx.info.container(path.account, path.container, req.txId);
    if (info.status < 200 || info.status >= 300) return next(req); // the controller answers 404
    const usage: ContainerUsage = {
      bytes: number(info.headers['x-container-bytes-used']),
      objects: number(info.headers['x-container-object-count']),
      quotaBytes: info.headers['x-container-meta-quota-bytes'],
      quotaCount: info.headers['x-container-meta-quota-count'],
    };
    if (!exceedsContainerQuota(usage, number(req.headers['content-length']))) return next(req);
    // Someone who could not write here anyway learns nothing about the container: 401/403.
    const denied = authorize(req, {
      method: req.method,
      account: path.account,
      container: path.container,
      object: path.object,
      readAcl: info.headers['x-container-read'],
      writeAcl: info.headers['x-container-write'],
    });
    if (denied) return denied;
    throw new StratusError('TOO_LARGE', 'Upload exceeds quota.');
  };
};
