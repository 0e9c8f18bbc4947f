/**
 * healthcheck: `GET /healthcheck` answers `200 OK` without touching storage (load balancers
 * poll it); with `disable_path` set and that file present it answers `503 DISABLED BY FILE`,
 * so an operator can drain a proxy.
 */
import { existsSync } from 'node:fs';
import { textResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

export const healthcheck: FilterFactory = (conf) => {
  const disablePath = conf.string('disable_path', '');
  return async (req, next) => {
    if (req.rawPath !== '/healthcheck' || (req.method !== 'GET' && req.method !== 'HEAD'))
      return next(req);
    if (disablePath && existsSync(disablePath)) return textResponse(503, 'DISABLED BY FILE');
    return textResponse(200, 'OK');
  };
};
