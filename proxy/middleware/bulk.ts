/**
 * bulk: Swift's bulk middleware — many operations in one request.
 *
 *   POST|DELETE /v1/<account>?bulk-delete               newline list of paths to delete
 *   PUT /v1/<account>[/<container>[/<prefix>]]?extract-archive=tar|tar.gz|tar.bz2
 *
 * Both answer `200 OK` at once and report the real outcome in the body (`Response Status`,
 * counters, `Errors`) as text, JSON or XML by Accept, sending a space every yield_frequency
 * seconds meanwhile. Every operation is a subrequest with the client's token, authorised by
 * the auth filter further down the pipeline (bulk sits before it, as in Swift).
 *
 * [filter:bulk]: max_deletes_per_request (10000), max_failed_deletes (1000),
 * delete_concurrency (2), delete_container_retry_count (0), max_containers_per_extraction
 * (10000), max_failed_extractions (1000), yield_frequency (10 s).
 */
import type { IncomingMessage } from 'node:http';
import { StratusError } from '../../common/errors.js';
import { bulkDelete } from '../bulk/delete.js';
import { ARCHIVE_TYPES } from '../bulk/decompress.js';
import { extractArchive } from '../bulk/extract.js';
import { bestFormat, errorOutcome, resultBody } from '../bulk/formats.js';
import { streamingBulkResponse } from '../bulk/response.js';
import { parseApiPath } from '../path.js';
import type { ProxyRequest } from '../pipeline.js';
import type { FilterFactory } from './types.js';

/** The raw version and account segments of an API path, and the decoded rest. */
function splitTarget(req: ProxyRequest): {
  version: string;
  account: string;
  accountName: string;
  base: string;
} {
  const parsed = parseApiPath(req.rawPath);
  if (!parsed) throw new StratusError('NOT_FOUND', 'Not Found');
  const [, version = '', account = ''] = req.rawPath.split('/');
  const base = [parsed.container, parsed.object]
    .filter((part) => part !== undefined)
    .join('/')
    .replace(/\/+$/, '');
  return { version, account, accountName: parsed.account, base };
}

/** True once the client's connection is gone (the answer can no longer reach it). */
function clientGone(req: ProxyRequest): () => boolean {
  const socket = (req.body as Partial<IncomingMessage>).socket;
  return () => socket?.destroyed === true;
}

export const bulk: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown([
    'use',
    'max_deletes_per_request',
    'max_failed_deletes',
    'delete_concurrency',
    'delete_container_retry_count',
    'max_containers_per_extraction',
    'max_failed_extractions',
    'yield_frequency',
  ]);
  const deletes = {
    maxDeletesPerRequest: conf.int('max_deletes_per_request', 10_000, { min: 1 }),
    maxFailedDeletes: conf.int('max_failed_deletes', 1000, { min: 1 }),
    concurrency: Math.min(1000, Math.max(1, conf.int('delete_concurrency', 2))),
    containerRetries: conf.int('delete_container_retry_count', 0, { min: 0 }),
    retryIntervalSeconds: 1.5,
    clientTimeout: ctx.config.clientTimeout,
  };
  const extracts = {
    maxContainersPerExtraction: conf.int('max_containers_per_extraction', 10_000, { min: 0 }),
    maxFailedExtractions: conf.int('max_failed_extractions', 1000, { min: 1 }),
    clientTimeout: ctx.config.clientTimeout,
  };
  const yieldFrequency = conf.number('yield_frequency', 10, { min: 0.01 });
  ctx.capabilities.bulk_upload = {
    max_containers_per_extraction: extracts.maxContainersPerExtraction,
    max_failed_extractions: extracts.maxFailedExtractions,
  };
  ctx.capabilities.bulk_delete = {
    max_deletes_per_request: deletes.maxDeletesPerRequest,
    max_failed_deletes: deletes.maxFailedDeletes,
  };

  return async (req, next) => {
    const archive = req.query.get('extract-archive');
    if (archive !== null && req.method === 'PUT') {
      const compression = ARCHIVE_TYPES[archive.toLowerCase().replace(/^\.+|\.+$/g, '')];
      if (compression === undefined)
        throw new StratusError('BAD_REQUEST', 'Unsupported archive format');
      const target = splitTarget(req);
      const format = bestFormat(req.headers.accept);
      return streamingBulkResponse(
        format,
        yieldFrequency,
        clientGone(req),
        (work) => extractArchive(req, next, target, compression, format, extracts, work),
        (err) => failedBody(req, err, format, 'extract'),
      );
    }
    if (req.query.has('bulk-delete') && (req.method === 'POST' || req.method === 'DELETE')) {
      const target = splitTarget(req);
      const format = bestFormat(req.headers.accept);
      return streamingBulkResponse(
        format,
        yieldFrequency,
        clientGone(req),
        (work) => bulkDelete(req, next, target, format, deletes, work),
        (err) => failedBody(req, err, format, 'delete'),
      );
    }
    return next(req);
  };
};

/** The body when the operation itself blew up (it reports its own failures otherwise). */
function failedBody(
  req: ProxyRequest,
  err: unknown,
  format: ReturnType<typeof bestFormat>,
  rootTag: 'delete' | 'extract',
): string {
  req.log.error({ err }, `bulk ${rootTag} failed`);
  const { status, body } = errorOutcome(err);
  return resultBody(
    format,
    [
      ['Response Status', status],
      ['Response Body', body],
    ],
    [],
    rootTag,
  );
}
