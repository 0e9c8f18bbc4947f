/** The filters a `[pipeline:main]` line may name (Swift's names; `-` and `_` both accepted). */
import { accountQuotas } from './account-quotas.js';
import { bulk } from './bulk.js';
import { catchErrors } from './catch-errors.js';
import { containerQuotas } from './container-quotas.js';
import { copy } from './copy.js';
import { cors } from './cors.js';
import { dlo } from './dlo.js';
import { formpost } from './formpost.js';
import { gatekeeper } from './gatekeeper.js';
import { healthcheck } from './healthcheck.js';
import { keystoneauth } from './keystoneauth.js';
import { proxyLogging } from './proxy-logging.js';
import { ratelimit } from './ratelimit.js';
import { slo } from './slo.js';
import { staticweb } from './staticweb.js';
import { symlink } from './symlink.js';
import { tempauth } from './tempauth.js';
import { tempurl } from './tempurl.js';
import type { FilterFactory } from './types.js';
import { versionedWrites } from './versioned-writes.js';

export const FILTERS: Record<string, FilterFactory> = {
  account_quotas: accountQuotas,
  bulk,
  catch_errors: catchErrors,
  container_quotas: containerQuotas,
  copy,
  cors,
  dlo,
  formpost,
  gatekeeper,
  healthcheck,
  keystoneauth,
  proxy_logging: proxyLogging,
  ratelimit,
  slo,
  staticweb,
  symlink,
  tempauth,
  tempurl,
  versioned_writes: versionedWrites,
};

/** Filters that must be in every pipeline, first (Swift's required_filters). */
export const REQUIRED_FIRST = ['catch_errors', 'gatekeeper'];

export function filterFactory(name: string): FilterFactory | undefined {
  return FILTERS[name.replace(/-/g, '_')];
}
