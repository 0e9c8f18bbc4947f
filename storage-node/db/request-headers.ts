/** Reading container and account server requests, and the headers both servers answer with. */
import { checkMetadata } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { headerValue, titleCase } from '../../common/headers.js';
import { listingMediaType, type ListingMediaType } from '../../common/listing.js';
import { Timestamp } from '../../common/timestamp.js';
import type { BackendRequest } from '../http/types.js';
import type { DatabaseInfo } from './broker.js';
import type { Metadata } from './metadata.js';

/** Headers a container keeps besides X-Container-Meta-* and X-Container-Sysmeta-*. */
const CONTAINER_SAVED_HEADERS = new Set([
  'x-container-read',
  'x-container-write',
  'x-container-sync-key',
  'x-container-sync-to',
  'x-versions-location',
  'x-history-location',
]);

function isSaved(target: 'container' | 'account', name: string): boolean {
  if (name.startsWith(`x-${target}-meta-`) || name.startsWith(`x-${target}-sysmeta-`)) return true;
  return target === 'container' && CONTAINER_SAVED_HEADERS.has(name);
}

/**
 * The metadata a PUT or POST sets, stamped with its timestamp, under Swift's title-cased names.
 * An empty value is kept: it removes the key. 400 beyond Swift's metadata limits.
 */
export function requestMetadata(
  req: BackendRequest,
  target: 'container' | 'account',
  timestamp: Timestamp,
): Metadata {
  checkMetadata(req.headers, target);
  const metadata: Metadata = {};
  for (const [name, raw] of Object.entries(req.headers)) {
    const value = headerValue(raw);
    if (value !== undefined && isSaved(target, name))
      metadata[titleCase(name)] = [value, timestamp.internal];
  }
  return metadata;
}

/**
 * Timestamps the proxy compares between replicas (Swift's X-Backend-*), sent with every
 * answer about an existing database, including 404 for a deleted one.
 */
export function backendTimestampHeaders(info: DatabaseInfo): Record<string, string> {
  return {
    'X-Backend-Timestamp': info.createdAt.internal,
    'X-Backend-Put-Timestamp': info.putTimestamp.internal,
    'X-Backend-Delete-Timestamp': info.deleteTimestamp.internal,
    'X-Backend-Status-Changed-At': info.statusChangedAt.internal,
  };
}

/** The listing format asked for by `format=` or Accept (400/406 as Swift). */
export function requestedListingMedia(req: BackendRequest): ListingMediaType {
  return listingMediaType(req.query.get('format'), req.header('accept'));
}

/** 400 for a request whose path has the wrong depth for its method (e.g. GET on an object row). */
export function wrongPath(message = 'Invalid path'): StratusError {
  return new StratusError('INVALID_PATH', message);
}
