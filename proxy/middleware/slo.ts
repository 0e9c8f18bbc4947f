/**
 * slo: Swift's Static Large Objects. A manifest PUT with `?multipart-manifest=put` lists the
 * segments; GET/HEAD of the manifest serve the large object; `?multipart-manifest=get`
 * returns the manifest and `DELETE ?multipart-manifest=delete` removes it with its segments
 * (see proxy/large-object/). Everything the filter reads or writes on the user's behalf goes
 * down the pipeline as a subrequest, so ACLs apply to every segment.
 *
 * [filter:slo]: max_manifest_segments (1000), max_manifest_size (8 MiB), yield_frequency
 * (10 s), concurrency (2 segment HEADs at once), delete_concurrency (= concurrency),
 * max_get_time (86400 s), rate_limit_under_size (1 MiB), rate_limit_after_segment (10),
 * rate_limit_segments_per_sec (1).
 */
import { StratusError } from '../../common/errors.js';
import { sloDelete } from '../large-object/slo-delete.js';
import { sloGetOrHead } from '../large-object/slo-get.js';
import { sloPut } from '../large-object/slo-put.js';
import { parseApiPath } from '../path.js';
import type { FilterFactory } from './types.js';

export const slo: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown([
    'use',
    'max_manifest_segments',
    'max_manifest_size',
    'yield_frequency',
    'concurrency',
    'delete_concurrency',
    'max_get_time',
    'rate_limit_under_size',
    'rate_limit_after_segment',
    'rate_limit_segments_per_sec',
    'allow_async_delete',
  ]);
  const concurrency = Math.min(1000, conf.int('concurrency', 2, { min: 0 }));
  const settings = {
    maxManifestSegments: conf.int('max_manifest_segments', 1000, { min: 1 }),
    maxManifestSize: conf.int('max_manifest_size', 8 * 1024 * 1024, { min: 1 }),
    yieldFrequencySeconds: conf.number('yield_frequency', 10, { min: 0.01 }),
    concurrency,
    deleteConcurrency: conf.int('delete_concurrency', concurrency, { min: 1, max: 1000 }),
    maxGetTimeSeconds: conf.number('max_get_time', 86400, { min: 1 }),
    rateLimitUnderSize: conf.int('rate_limit_under_size', 1024 * 1024, { min: 0 }),
    rateLimitAfterSegment: conf.int('rate_limit_after_segment', 10, { min: 0 }),
    rateLimitSegmentsPerSec: conf.number('rate_limit_segments_per_sec', 1, { min: 0 }),
    clientTimeoutSeconds: ctx.config.clientTimeout,
    maxFailedDeletes: 1000,
  };
  // Asynchronous segment deletion needs the expirer's queue, which Stratus does not have.
  if (conf.bool('allow_async_delete', false))
    throw new StratusError('CONFIG_INVALID', '[filter:slo] allow_async_delete is not supported');
  ctx.capabilities.slo = {
    max_manifest_segments: settings.maxManifestSegments,
    max_manifest_size: settings.maxManifestSize,
    yield_frequency: settings.yieldFrequencySeconds,
    // Configurable once in Swift; reported as 1 for the clients that still read it.
    min_segment_size: 1,
    allow_async_delete: false,
  };

  return async (req, next) => {
    const path = parseApiPath(req.rawPath);
    if (!path || path.object === undefined) return next(req);
    const manifest = req.query.get('multipart-manifest');
    if (req.method === 'PUT' && manifest === 'put') return sloPut(req, next, settings);
    if (req.method === 'DELETE' && manifest === 'delete') return sloDelete(req, next, settings);
    if (req.method === 'GET' || req.method === 'HEAD') return sloGetOrHead(req, next, settings);
    if (req.headers['x-static-large-object'] !== undefined) {
      throw new StratusError(
        'BAD_REQUEST',
        'X-Static-Large-Object is a reserved header. To create a static large object add ' +
          'query param multipart-manifest=put.',
      );
    }
    return next(req);
  };
};
