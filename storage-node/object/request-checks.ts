/** Validation of object-server request headers, shared by PUT, POST and DELETE. */
import { checkMetadata, checkObjectSize, DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { titleCase } from '../../common/headers.js';
import type { BackendRequest } from '../http/types.js';
import { STORED_HEADERS } from './disk-file.js';
import type { ObjectMetadata } from './metadata.js';

/** X-Delete-At as whole seconds, if given; 400 when not an integer or already past. */
export function deleteAt(req: BackendRequest, now: number): number | undefined {
  const text = req.header('x-delete-at');
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new StratusError('BAD_REQUEST', 'Non-integer X-Delete-At');
  const value = Number(text);
  if (value <= now) throw new StratusError('BAD_REQUEST', 'X-Delete-At in past');
  return value;
}

/** Body length from Content-Length, or undefined for chunked bodies; 411/400/413 as Swift. */
export function declaredLength(req: BackendRequest): number | undefined {
  const text = req.header('content-length');
  const chunked = (req.header('transfer-encoding') ?? '').toLowerCase().includes('chunked');
  if (text === undefined) {
    if (!chunked) throw new StratusError('LENGTH_REQUIRED', 'Missing Content-Length header.');
    return undefined;
  }
  if (!/^\d+$/.test(text))
    throw new StratusError('BAD_REQUEST', 'Invalid Content-Length header value');
  const length = Number(text);
  checkObjectSize(length);
  return length;
}

/**
 * The metadata a request sets, with Swift's title-cased names: user metadata
 * (X-Object-Meta-*), system metadata (X-Object-Sysmeta-*, X-Object-Transient-Sysmeta-*)
 * and the headers objects keep (Content-Disposition, Content-Encoding, X-Delete-At, …).
 */
export function requestMetadata(req: BackendRequest): ObjectMetadata {
  checkMetadata(req.headers, 'object', DEFAULT_CONSTRAINTS);
  const metadata: ObjectMetadata = {};
  for (const [name, raw] of Object.entries(req.headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const keep =
      name.startsWith('x-object-meta-') ||
      name.startsWith('x-object-sysmeta-') ||
      name.startsWith('x-object-transient-sysmeta-') ||
      (STORED_HEADERS.has(name) && name !== 'content-type');
    if (keep && value !== '') metadata[titleCase(name)] = value;
  }
  return metadata;
}

/**
 * True for writes from another storage node's replicator (X-Backend-Replication: true): they
 * copy an object as it is — an expiry already past, no listing update — rather than make a
 * new change. Only storage nodes reach this header; the proxy's gatekeeper strips it.
 */
export function isReplication(req: BackendRequest): boolean {
  return (req.header('x-backend-replication') ?? '').toLowerCase() === 'true';
}
