/**
 * Bulk delete (`POST` or `DELETE /v1/<account>?bulk-delete`): the body lists url-encoded
 * `/container/object` or `/container` paths, one a line. The whole list is read first (so a
 * list over `max_deletes_per_request` deletes nothing), then every object is deleted, then
 * every container, each through a DELETE subrequest carrying the client's token — so a user
 * deletes exactly what they could delete one by one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StratusError } from '../../common/errors.js';
import type { App, ProxyRequest } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { subrequestHeaders, subrequestStatus, takeBody } from './client.js';
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

export interface DeleteOptions {
  maxDeletesPerRequest: number;
  maxFailedDeletes: number;
  concurrency: number;
  /** Retries of a container DELETE answered 409 (its last objects still being listed). */
  containerRetries: number;
  retryIntervalSeconds: number;
  clientTimeout: number;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);

function strip(bytes: Buffer, chars: Set<number>): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && chars.has(bytes[start]!)) start++;
  while (end > start && chars.has(bytes[end - 1]!)) end--;
  return bytes.subarray(start, end);
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Percent-decoding as Python's unquote: bad escapes stay as they are, `+` is a plus. */
export function unquote(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (bytes[i] === 0x25 && HEX.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(bytes[i]!);
    }
  }
  return Buffer.from(out);
}

/**
 * The names in a bulk-delete body, decoded. Like Swift, blank lines inside the list count
 * toward the limit (and are skipped later); 413 past the limit, 400 for a line longer than
 * twice the longest possible path.
 */
export async function readDeleteList(
  chunks: AsyncIterable<Buffer>,
  maxDeletes: number,
): Promise<Buffer[]> {
  const names: Buffer[] = [];
  const tooMany = () =>
    new StratusError('TOO_LARGE', `Maximum Bulk Deletes: ${maxDeletes} per request`);
  let line: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    line = line.length > 0 ? Buffer.concat([line, chunk]) : chunk;
    for (let nl = line.indexOf(0x0a); nl >= 0; nl = line.indexOf(0x0a)) {
      names.push(unquote(strip(line.subarray(0, nl), WHITESPACE)));
      line = line.subarray(nl + 1);
      if (names.length > maxDeletes) throw tooMany();
    }
    if (line.length > MAX_PATH_LENGTH * 2)
      throw new StratusError('BAD_REQUEST', 'Invalid File Name');
  }
  const last = unquote(strip(line, WHITESPACE));
  if (last.length > 0) names.push(last);
  if (names.length > maxDeletes) throw tooMany();
  return names;
}

const SLASH = new Set([0x2f]);
const isObjectPath = (name: Buffer): boolean => strip(name, SLASH).includes(0x2f);

interface Tally {
  deleted: number;
  notFound: number;
  errors: BulkErrors;
  /** 400 unless a subrequest failed with a server error (then 502), as Swift. */
  failedStatus: number;
}

/** Runs the whole bulk delete and returns the response body. */
export async function bulkDelete(
  req: ProxyRequest,
  next: App,
  target: { version: string; account: string },
  format: BulkFormat | undefined,
  options: DeleteOptions,
  work: BulkWork,
): Promise<string> {
  const tally: Tally = { deleted: 0, notFound: 0, errors: [], failedStatus: 400 };
  let status = statusLine(200);
  let body = '';
  let release = (): void => undefined;
  try {
    if (format === undefined) throw new StratusError('NOT_ACCEPTABLE', '');
    const type = req.headers['content-type'];
    if (type && !type.startsWith('text/plain')) throw new StratusError('NOT_ACCEPTABLE', '');
    const input = takeBody(req, options.clientTimeout);
    release = input.release;
    const names = await readDeleteList(input.chunks, options.maxDeletesPerRequest);
    input.release();
    const named = names.filter((name) => name.length > 0);
    for (const phase of [named.filter(isObjectPath), named.filter((n) => !isObjectPath(n))]) {
      await deleteAll(req, next, target, phase, options, work, tally);
      if (tally.errors.length >= options.maxFailedDeletes)
        throw new StratusError('BAD_REQUEST', 'Max delete failures exceeded');
    }
    if (tally.errors.length > 0) status = statusLine(tally.failedStatus);
    else if (tally.deleted === 0 && tally.notFound === 0) {
      status = statusLine(400);
      body = 'Invalid bulk delete.';
    }
  } catch (err) {
    ({ status, body } = errorOutcome(err));
    if (!(err instanceof StratusError)) req.log.error({ err }, 'bulk delete failed');
  } finally {
    release();
  }
  return resultBody(
    format,
    [
      ['Response Status', status],
      ['Response Body', body],
      ['Number Deleted', tally.deleted],
      ['Number Not Found', tally.notFound],
    ],
    tally.errors,
    'delete',
  );
}

/** Deletes one phase's paths, `concurrency` at a time, stopping at max_failed_deletes. */
async function deleteAll(
  req: ProxyRequest,
  next: App,
  target: { version: string; account: string },
  names: Buffer[],
  options: DeleteOptions,
  work: BulkWork,
  tally: Tally,
): Promise<void> {
  let index = 0;
  const worker = async () => {
    while (index < names.length) {
      if (work.aborted() || tally.errors.length >= options.maxFailedDeletes) return;
      const name = names[index++]!;
      await deleteOne(req, next, target, name, options, tally);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

async function deleteOne(
  req: ProxyRequest,
  next: App,
  target: { version: string; account: string },
  name: Buffer,
  options: DeleteOptions,
  tally: Tally,
): Promise<void> {
  const text = name.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(name) || text.includes('\0')) {
    tally.errors.push([quotePath(name), statusLine(412)]);
    return;
  }
  const relative = text.replace(/^\/+/, '');
  if (relative.replace(/\/+$/, '') === '') {
    // `/` alone would name the account itself: never delete that from a list.
    tally.errors.push([quotePath(name), statusLine(400)]);
    return;
  }
  const path = `/${target.version}/${target.account}/${relative.split('/').map(encodeURIComponent).join('/')}`;
  const container = !isObjectPath(name);
  for (let attempt = 0; ; attempt++) {
    const sub = makeSubrequest(req, {
      method: 'DELETE',
      path,
      headers: { ...subrequestHeaders(req, 'BulkDelete'), 'content-length': '0' },
      source: 'BD',
    });
    const status = await subrequestStatus(next, sub);
    if (status >= 200 && status < 300) tally.deleted++;
    else if (status === 404) tally.notFound++;
    else if (status === 409 && container && attempt < options.containerRetries) {
      await sleep(options.retryIntervalSeconds ** (attempt + 1) * 1000);
      continue;
    } else {
      if (status >= 500) tally.failedStatus = 502;
      tally.errors.push([quotePath(name), statusLine(status)]);
    }
    return;
  }
}
