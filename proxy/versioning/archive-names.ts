/**
 * Legacy object versioning's names and settings, as Swift's versioned_writes keeps them:
 * archived versions are `<3 hex digits: UTF-8 length of the name><name>/<timestamp>` in the
 * archive container, delete markers carry a content type of their own, and a container's
 * archive and mode live in its system metadata (clients see X-Versions-Location or
 * X-History-Location).
 */
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import type { HeaderMap } from '../pipeline.js';
import { unquote } from '../path-headers.js';

export const VERSIONS_LOCATION = 'x-versions-location';
export const HISTORY_LOCATION = 'x-history-location';
export const SYSMETA_LOCATION = 'x-container-sysmeta-versions-location';
export const SYSMETA_MODE = 'x-container-sysmeta-versions-mode';
export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';

export type VersioningMode = 'stack' | 'history';

/** The listing prefix of every archived version of `object`. */
export function versionPrefix(object: string): string {
  return `${Buffer.byteLength(object, 'utf8').toString(16).padStart(3, '0')}${object}/`;
}

/** An archived version's name; `timestamp` is when that version was written (X-Timestamp). */
export function versionName(object: string, timestamp: string): string {
  return versionPrefix(object) + Timestamp.parse(timestamp).internal;
}

/** The archive and mode a container's info (backend HEAD headers, lower-case) declares. */
export function versioningOf(
  info: Record<string, string>,
): { archive: string; mode: VersioningMode } | undefined {
  // Containers versioned before the sysmeta era kept the plain header.
  const raw = info[SYSMETA_LOCATION] || info[VERSIONS_LOCATION];
  if (!raw) return undefined;
  const archive = unquote(raw).split('/')[0]!;
  if (archive === '') return undefined;
  return { archive, mode: info[SYSMETA_MODE] === 'history' ? 'history' : 'stack' };
}

/**
 * Turns a container PUT/POST's versioning headers into system metadata, as Swift does:
 * both modes at once is a 400, a location with a slash a 412, an empty value or
 * X-Remove-Versions-Location / X-Remove-History-Location turns versioning off. The plain
 * headers are blanked so only the system metadata says where versions go.
 */
export function translateContainerHeaders(
  headers: HeaderMap,
  method: string,
  enabled: boolean,
): void {
  if (VERSIONS_LOCATION in headers && HISTORY_LOCATION in headers) {
    if (!headers[HISTORY_LOCATION]) delete headers[HISTORY_LOCATION];
    else if (headers[VERSIONS_LOCATION]) {
      throw new StratusError(
        'BAD_REQUEST',
        `Only one of ${VERSIONS_LOCATION} or ${HISTORY_LOCATION} may be specified`,
      );
    } else delete headers[VERSIONS_LOCATION];
  }
  if (VERSIONS_LOCATION in headers || HISTORY_LOCATION in headers) {
    const stack = VERSIONS_LOCATION in headers;
    const value = stack ? headers[VERSIONS_LOCATION]! : headers[HISTORY_LOCATION]!;
    if (!value) {
      headers['x-remove-versions-location'] = 'x';
    } else if (!enabled && (method === 'PUT' || method === 'POST')) {
      throw new StratusError('PRECONDITION_FAILED', 'Versioned Writes is disabled');
    } else {
      if (value.includes('/'))
        throw new StratusError('PRECONDITION_FAILED', 'Container name cannot contain slashes');
      headers[SYSMETA_LOCATION] = value;
      headers[SYSMETA_MODE] = stack ? 'stack' : 'history';
      headers[VERSIONS_LOCATION] = '';
      headers[HISTORY_LOCATION] = '';
      // Setting a location wins over removing one in the same request.
      delete headers['x-remove-versions-location'];
      delete headers['x-remove-history-location'];
    }
  }
  if (headers['x-remove-versions-location'] || headers['x-remove-history-location']) {
    headers[VERSIONS_LOCATION] = '';
    headers[HISTORY_LOCATION] = '';
    headers[SYSMETA_LOCATION] = '';
    headers[SYSMETA_MODE] = '';
  }
  delete headers['x-remove-versions-location'];
  delete headers['x-remove-history-location'];
}

/** The client header a container response shows for its versioning system metadata. */
export function clientLocationHeader(
  response: Record<string, string>,
): [name: string, value: string] | undefined {
  const location = response[SYSMETA_LOCATION];
  if (!location) return undefined;
  return response[SYSMETA_MODE] === 'history'
    ? ['X-History-Location', location]
    : ['X-Versions-Location', location];
}
