/** The filters a `[pipeline:main]` line may name (Swift's names; `-` and `_` both accepted). */
import { catchErrors } from './catch-errors.js';
import { gatekeeper } from './gatekeeper.js';
import { healthcheck } from './healthcheck.js';
import { proxyLogging } from './proxy-logging.js';
import { tempauth } from './tempauth.js';
import type { FilterFactory } from './types.js';

export const FILTERS: Record<string, FilterFactory> = {
  catch_errors: catchErrors,
  gatekeeper,
  healthcheck,
  proxy_logging: proxyLogging,
  tempauth,
};

/** Filters that must be in every pipeline, first (Swift's required_filters). */
export const REQUIRED_FIRST = ['catch_errors', 'gatekeeper'];

export function filterFactory(name: string): FilterFactory | undefined {
  return FILTERS[name.replace(/-/g, '_')];
}
