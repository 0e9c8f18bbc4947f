/**
 * catch_errors: the outermost filter. Anything thrown below becomes a response here — a
 * StratusError with its mapped status and Swift's body, anything else a logged 500 — and
 * every response carries the transaction id as X-Trans-Id and X-Openstack-Request-Id.
 */
import { statusOf, StratusError } from '../../common/errors.js';
import { errorBody } from '../../common/http-status.js';
import type { ProxyResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

export const catchErrors: FilterFactory = () => async (req, next) => {
  let response: ProxyResponse;
  try {
    response = await next(req);
  } catch (err) {
    response = errorToResponse(err);
    if (response.status >= 500 && response.status !== 503 && response.status !== 507) {
      req.log.error({ err }, 'unexpected error');
    } else {
      req.log.info({ status: response.status, reason: (err as Error).message }, 'request refused');
    }
  }
  response.headers['X-Trans-Id'] = req.txId;
  response.headers['X-Openstack-Request-Id'] = req.txId;
  return response;
};

export function errorToResponse(err: unknown): ProxyResponse {
  const status = statusOf(err);
  const reason = err instanceof StratusError ? err.message : undefined;
  const { body, contentType } = errorBody(status, reason);
  const extra = err instanceof StratusError ? err.headers : {};
  return { status, headers: { 'Content-Type': contentType, ...extra }, body };
}
