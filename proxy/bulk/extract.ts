/**
 * Extract archive (`PUT /v1/<account>[/<container>[/<prefix>]]?extract-archive=tar|tar.gz|tar.bz2`):
 * the archive is read as it arrives and every regular file becomes an object PUT subrequest
 * (carrying the client's token) whose body is streamed straight out of the archive, so no
 * file is ever held in memory. Containers are created on first use. Without a container in
 * the URL, each file's first directory names its container and top-level files are skipped.
 *
 * Each object gets the request's X-Object-Meta-* and X-Delete-At/-After, and from the file's
 * pax records `user.meta.*` xattrs as X-Object-Meta-* and `user.mime_type` as Content-Type
 * (GNU tar writes them as `SCHILY.xattr.*`, bsdtar as `LIBARCHIVE.xattr.*`).
 */
import { Readable } from 'node:stream';
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import type { App, ProxyRequest } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { subrequestHeaders, subrequestStatus, takeBody } from './client.js';
import { decompressed, type Compression } from './decompress.js';
import {
  errorOutcome,
  MAX_PATH_LENGTH,
  quotePath,
  resultBody,
  statusLine,
  type BulkErrors,
  type BulkFormat,
} from './formats.js';
import type { BulkWork } from './response.js';
import { readTar, TarError, type TarEntry } from './tar.js';

export interface ExtractOptions {
  maxContainersPerExtraction: number;
  maxFailedExtractions: number;
  clientTimeout: number;
}

export interface ExtractTarget {
  /** Raw (still percent-encoded) version and account segments of the request path. */
  version: string;
  account: string;
  /** The account name, decoded (for the paths reported in Errors). */
  accountName: string;
  /** Decoded `container[/prefix]` from the URL, without trailing slashes ('' for none). */
  base: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const XATTR_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

/** The headers a pax record becomes, as Swift's pax_key_to_swift_header (undefined for others). */
export function paxHeader(key: string): string | undefined {
  for (const prefix of XATTR_PREFIXES) {
    if (!key.startsWith(prefix)) continue;
    const attr = key.slice(prefix.length);
    if (attr === 'user.mime_type') return 'content-type';
    if (attr.startsWith('user.meta.')) return `x-object-meta-${attr.slice(10).toLowerCase()}`;
  }
  return undefined;
}

/**
 * Where a member goes: its name without `./` or leading slashes, under the URL's base.
 * Undefined for top-level files when the URL names no container (Swift skips those).
 */
export function destinationOf(name: Buffer, base: string): Buffer | undefined {
  let path = name;
  if (path.subarray(0, 2).toString('latin1') === './') path = path.subarray(2);
  let start = 0;
  while (path[start] === 0x2f) start++;
  path = path.subarray(start);
  if (base !== '') path = Buffer.concat([Buffer.from(`${base}/`, 'utf8'), path]);
  return path.includes(0x2f) ? path : undefined;
}

const utf8 = (bytes: Buffer): string | undefined => {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) && !text.includes('\0') ? text : undefined;
};

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

interface Progress {
  created: number;
  containersCreated: number;
  errors: BulkErrors;
  failedStatus: number;
  /** Containers already checked (or created) during this extraction. */
  seen: Set<string>;
}

/** Runs the whole extraction and returns the response body. */
export async function extractArchive(
  req: ProxyRequest,
  next: App,
  target: ExtractTarget,
  compression: Compression,
  format: BulkFormat | undefined,
  options: ExtractOptions,
  work: BulkWork,
): Promise<string> {
  const progress: Progress = {
    created: 0,
    containersCreated: 0,
    errors: [],
    failedStatus: 400,
    seen: new Set(),
  };
  let status = statusLine(201);
  let body = '';
  let release = (): void => undefined;
  try {
    if (format === undefined) throw new StratusError('NOT_ACCEPTABLE', '');
    const input = takeBody(req, options.clientTimeout);
    release = input.release;
    for await (const entry of readTar(decompressed(input.chunks, compression))) {
      if (work.aborted() || progress.errors.length >= options.maxFailedExtractions) break;
      if (entry.kind !== 'file') continue;
      await extractOne(req, next, target, entry, options, progress);
    }
    if (progress.errors.length > 0) status = statusLine(progress.failedStatus);
    else if (progress.created === 0) {
      status = statusLine(400);
      body = 'Invalid Tar File: No Valid Files';
    }
  } catch (err) {
    if (err instanceof TarError) {
      status = statusLine(400);
      body = `Invalid Tar File: ${err.message}`;
    } else {
      ({ status, body } = errorOutcome(err));
      if (!(err instanceof StratusError)) req.log.error({ err }, 'extract archive failed');
    }
  } finally {
    release();
  }
  return resultBody(
    format,
    [
      ['Response Status', status],
      ['Response Body', body],
      ['Number Files Created', progress.created],
    ],
    progress.errors,
    'extract',
  );
}

async function extractOne(
  req: ProxyRequest,
  next: App,
  target: ExtractTarget,
  entry: TarEntry,
  options: ExtractOptions,
  progress: Progress,
): Promise<void> {
  const objectPath = destinationOf(entry.name, target.base);
  if (objectPath === undefined) return;
  const failed = (status: number) =>
    progress.errors.push([quotePath(objectPath.subarray(0, MAX_PATH_LENGTH)), statusLine(status)]);
  const text = utf8(objectPath);
  if (text === undefined) return void failed(412);
  if (entry.size > DEFAULT_CONSTRAINTS.maxFileSize) return void failed(413);
  const container = text.slice(0, text.indexOf('/'));
  const accountPath = `/${target.version}/${target.account}`;
  let containerFailure: [string, string] | undefined;
  if (!progress.seen.has(container)) {
    const outcome = await ensureContainer(
      req,
      next,
      `${accountPath}/${encodeURIComponent(container)}`,
    );
    if (outcome === 'created' && ++progress.containersCreated > options.maxContainersPerExtraction)
      throw new StratusError(
        'BAD_REQUEST',
        `More than ${options.maxContainersPerExtraction} containers to create from tar.`,
      );
    if (typeof outcome === 'number') {
      // The object PUT may still succeed (a write ACL on an existing container).
      const containerPath = Buffer.from(`/${target.version}/${target.accountName}/${container}`);
      containerFailure = [
        quotePath(containerPath.subarray(0, MAX_PATH_LENGTH)),
        statusLine(outcome),
      ];
      if (outcome === 401) throw new StratusError('UNAUTHORIZED', '');
    }
  }
  const headers: Record<string, string> = {
    ...subrequestHeaders(req, 'BulkExpand'),
    'content-length': String(entry.size),
  };
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'x-delete-at' || name === 'x-delete-after' || name.startsWith('x-object-meta-'))
      headers[name] = value;
  }
  for (const [key, value] of entry.pax) {
    const name = paxHeader(key);
    // Header values travel as Node reads them from clients: UTF-8 bytes as latin1 text.
    const headerValue = value.toString('latin1');
    if (name && HEADER_NAME.test(name) && !/[\r\n\0]/.test(headerValue))
      headers[name] = headerValue;
  }
  const sub = makeSubrequest(req, {
    method: 'PUT',
    path: `${accountPath}/${encodePath(text)}`,
    headers,
    body: Readable.from(entry.body),
    source: 'EA',
  });
  const status = await subrequestStatus(next, sub);
  progress.seen.add(container);
  if (status >= 200 && status < 300) {
    progress.created++;
    return;
  }
  if (containerFailure) progress.errors.push(containerFailure);
  if (status === 401) {
    failed(401);
    throw new StratusError('UNAUTHORIZED', '');
  }
  if (status >= 500) progress.failedStatus = 502;
  failed(status);
}

/** HEADs the container and creates it when missing: 'exists', 'created' or the failing status. */
async function ensureContainer(
  req: ProxyRequest,
  next: App,
  path: string,
): Promise<'exists' | 'created' | number> {
  const headers = subrequestHeaders(req, 'BulkExpand');
  const head = await subrequestStatus(
    next,
    makeSubrequest(req, { method: 'HEAD', path, headers, source: 'EA' }),
  );
  if (head >= 200 && head < 300) return 'exists';
  if (head !== 404) return head;
  const put = await subrequestStatus(
    next,
    makeSubrequest(req, { method: 'PUT', path, headers, source: 'EA' }),
  );
  return put >= 200 && put < 300 ? 'created' : put;
}
