/**
 * dlo: Swift's Dynamic Large Objects. GET and HEAD of an object carrying
 * `X-Object-Manifest: <container>/<prefix>` serve the objects listed under that prefix,
 * concatenated (proxy/large-object/dlo-get.ts); `?multipart-manifest=get` serves the
 * manifest object itself. A PUT's X-Object-Manifest must have that form (400 otherwise).
 *
 * [filter:dlo]: max_get_time (86400 s), rate_limit_after_segment (10),
 * rate_limit_segments_per_sec (1: after the first ten segments, one a second, as Swift).
 */
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { dloGetOrHead, validManifestHeader } from '../large-object/dlo-get.js';
import { parseApiPath } from '../path.js';
import type { FilterFactory } from './types.js';

export const dlo: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown([
    'use',
    'max_get_time',
    'rate_limit_after_segment',
    'rate_limit_segments_per_sec',
  ]);
  const settings = {
    maxGetTimeSeconds: conf.number('max_get_time', 86400, { min: 1 }),
    rateLimitAfterSegment: conf.int('rate_limit_after_segment', 10, { min: 0 }),
    rateLimitSegmentsPerSec: conf.number('rate_limit_segments_per_sec', 1, { min: 0 }),
    listingLimit: DEFAULT_CONSTRAINTS.containerListingLimit,
  };
  // Swift registers nothing for DLO; listing it lets clients see the feature and its limits.
  ctx.capabilities.dlo = {
    max_get_time: settings.maxGetTimeSeconds,
    rate_limit_after_segment: settings.rateLimitAfterSegment,
    rate_limit_segments_per_sec: settings.rateLimitSegmentsPerSec,
  };

  return async (req, next) => {
    const path = parseApiPath(req.rawPath);
    if (!path || path.object === undefined) return next(req);
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      req.query.get('multipart-manifest') !== 'get'
    ) {
      return dloGetOrHead(req, next, settings);
    }
    const value = req.headers['x-object-manifest'];
    if (req.method === 'PUT' && value !== undefined && !validManifestHeader(value)) {
      throw new StratusError(
        'BAD_REQUEST',
        'X-Object-Manifest must be in the format container/prefix',
      );
    }
    return next(req);
  };
};
