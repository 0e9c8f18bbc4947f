/**
 * `GET /info`: what this cluster offers, in Swift's shape — the `swift` section with the
 * constraints clients read (max_file_size, container_listing_limit, …) and one section per
 * enabled middleware. Needs no token.
 */
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import type { ProxyContext } from '../context.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { statusOnly } from './helpers.js';

export const STRATUS_VERSION = '0.1.0';

export function swiftCapabilities(ctx: ProxyContext): Record<string, unknown> {
  const c = DEFAULT_CONSTRAINTS;
  return {
    version: STRATUS_VERSION,
    max_file_size: c.maxFileSize,
    max_meta_name_length: c.maxMetaNameLength,
    max_meta_value_length: c.maxMetaValueLength,
    max_meta_count: c.maxMetaCount,
    max_meta_overall_size: c.maxMetaOverallSize,
    max_header_size: c.maxHeaderSize,
    max_object_name_length: c.maxObjectNameLength,
    max_container_name_length: c.maxContainerNameLength,
    max_account_name_length: c.maxAccountNameLength,
    container_listing_limit: c.containerListingLimit,
    account_listing_limit: c.accountListingLimit,
    extra_header_count: 0,
    valid_api_versions: ['v1', 'v1.0'],
    policies: [{ name: 'Policy-0', aliases: 'Policy-0', default: true }],
    allow_account_management: ctx.config.allowAccountManagement,
    account_autocreate: ctx.config.accountAutocreate,
    strict_cors_mode: true,
  };
}

export function infoRequest(ctx: ProxyContext, req: ProxyRequest): ProxyResponse {
  if (req.method !== 'GET' && req.method !== 'HEAD') return statusOnly(405, { Allow: 'GET, HEAD' });
  const body = JSON.stringify({ swift: swiftCapabilities(ctx), ...ctx.capabilities });
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body };
}
