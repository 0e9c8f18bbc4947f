/**
 * Which of a source object's headers travel with its data when it is copied — by a COPY or
 * X-Copy-From (copy middleware) or into a version archive (versioned_writes) — as Swift's
 * copy middleware decides: user metadata, system metadata, and the object headers a PUT
 * stores; with `X-Fresh-Metadata` only the system metadata.
 */

/** Object headers a PUT stores besides metadata (and symlink targets, as a link reads back). */
const CARRIED = new Set([
  'content-disposition',
  'content-encoding',
  'content-language',
  'cache-control',
  'expires',
  'x-robots-tag',
  'x-delete-at',
  'x-symlink-target',
  'x-symlink-target-account',
  'x-symlink-target-etag',
  'x-symlink-target-bytes',
]);

const SYSMETA = 'x-object-sysmeta-';
const TRANSIENT = 'x-object-transient-sysmeta-';
/** Listing overrides a middleware computed for the source's exact bytes (Swift drops them too). */
const UPDATE_OVERRIDE = 'x-object-sysmeta-container-update-override-';
/** What makes an object a static large object: meaningless on a copy of its data. */
const SLO_SYSMETA = 'x-object-sysmeta-slo-';

export const isUserMetadata = (name: string): boolean => name.startsWith('x-object-meta-');
export const isObjectSysmeta = (name: string): boolean => name.startsWith(SYSMETA);

/** Headers a copy response reports back (Swift's `_copy_headers`): metadata and X-Delete-At. */
export function isReportedOnCopy(name: string): boolean {
  return (
    isUserMetadata(name) ||
    isObjectSysmeta(name) ||
    name.startsWith(TRANSIENT) ||
    name === 'x-delete-at'
  );
}

export interface CarryOptions {
  /** X-Fresh-Metadata: keep only system metadata. */
  fresh: boolean;
  /** The copy is of the data, not of the large-object manifest the source is. */
  asData: boolean;
  /** The source's ETag is not the new object's (ranges, large objects). */
  etagChanges: boolean;
}

/**
 * The source's headers (lower-case names) a copy starts from; the request's own headers are
 * laid over them by the caller.
 */
export function carriedHeaders(
  source: Record<string, string>,
  options: CarryOptions,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    const sysmeta = isObjectSysmeta(name);
    if (options.fresh ? !sysmeta : !(sysmeta || isReportedOnCopy(name) || CARRIED.has(name)))
      continue;
    if (options.etagChanges && name.startsWith(UPDATE_OVERRIDE)) continue;
    if (options.asData && name.startsWith(SLO_SYSMETA)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Everything needed to store an exact replica of an object elsewhere (a version archive, a
 * restored version): its carried headers plus type, ETag and large-object markers. A static
 * large object's content type gets back the `swift_bytes` its listing needs.
 */
export function replicaHeaders(source: Record<string, string>): Record<string, string> {
  const out = carriedHeaders(source, { fresh: false, asData: false, etagChanges: false });
  for (const name of ['content-type', 'etag', 'x-static-large-object', 'x-object-manifest']) {
    const value = source[name];
    if (value !== undefined) out[name] = value;
  }
  const sloSize = source['x-object-sysmeta-slo-size'];
  if (sloSize && out['content-type'] !== undefined && !/;\s*swift_bytes=/.test(out['content-type']))
    out['content-type'] += `;swift_bytes=${sloSize}`;
  return out;
}

/** A content type without the `swift_bytes` parameter only a manifest's listing entry uses. */
export function withoutSwiftBytes(contentType: string): string {
  return contentType.replace(/;\s*swift_bytes=\d+\s*(?=;|$)/, '');
}
