/**
 * gatekeeper: keeps clients out of the headers only Stratus may set. Inbound it drops
 * `X-Backend-*`, system metadata (`X-Account/Container/Object-Sysmeta-*`,
 * `X-Object-Transient-Sysmeta-*`) and `X-Timestamp`; outbound it drops the same from responses.
 */
import type { FilterFactory } from './types.js';

const PRIVATE = /^x-(backend-|(account|container|object)-sysmeta-|object-transient-sysmeta-)/i;

export function isPrivateHeader(name: string): boolean {
  return PRIVATE.test(name);
}

export const gatekeeper: FilterFactory = () => async (req, next) => {
  for (const name of Object.keys(req.headers)) {
    if (isPrivateHeader(name) || name === 'x-timestamp') delete req.headers[name];
  }
  const response = await next(req);
  for (const name of Object.keys(response.headers)) {
    if (isPrivateHeader(name)) delete response.headers[name];
  }
  return response;
};
