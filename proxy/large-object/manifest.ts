/**
 * Static Large Object manifests: what a client may PUT with `?multipart-manifest=put`
 * (checked as Swift's slo.py checks it, with its error lines), what is stored (Swift's JSON
 * keys: name, bytes, hash, content_type, last_modified, range, sub_slo, or inline data), how
 * a stored manifest is read back, and the large object's ETag.
 */
import { createHash } from 'node:crypto';
import { StratusError } from '../../common/errors.js';
import { parseRangeSpecs, type RangeSpec } from './byte-ranges.js';
import { pythonJson } from './python-json.js';

/** An object-backed segment of a manifest being PUT, after validation. */
export interface ObjectSegmentInput {
  kind: 'object';
  /** As the client wrote it: `/container/object` (leading slash optional), not URL-encoded. */
  path: string;
  etag: string | undefined;
  sizeBytes: number | undefined;
  range: RangeSpec | undefined;
}

/** Inline data (`{"data": "<base64>"}`), decoded. */
export interface DataSegmentInput {
  kind: 'data';
  data: Buffer;
}

export type SegmentInput = ObjectSegmentInput | DataSegmentInput;

/** An object-backed segment as stored in a manifest (Swift's key names and order). */
export interface StoredObjectSegment {
  name: string;
  bytes: number;
  hash: string;
  content_type: string;
  last_modified: string;
  range?: string;
  sub_slo?: boolean;
}

export type StoredSegment = StoredObjectSegment | { data: string };

/** A segment of a stored manifest, read back for serving. */
export type LoadedSegment =
  | { kind: 'data'; data: Buffer; length: number }
  | {
      kind: 'object';
      /** `/container/object`. */
      name: string;
      hash: string;
      /** The whole segment object's size (for a sub-SLO, the size of its large object). */
      bytes: number;
      /** The part of the object used, inclusive, when not all of it. */
      range: [number, number] | undefined;
      subSlo: boolean;
      /** Bytes this segment contributes to the large object. */
      length: number;
    };

/** Keys each kind of segment may carry, the kind's own key first (Swift's SLO_KEYS order). */
const SEGMENT_KEYS: [kind: 'data' | 'path', allowed: string[]][] = [
  ['data', ['data']],
  ['path', ['path', 'range', 'etag', 'size_bytes']],
];

/** Python's `int()` of a JSON value, or undefined when Python would raise. */
function pythonInt(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/** Swift's strict_b64decode: only the standard alphabet, padding as base64.b64decode wants. */
export function strictBase64(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const body = text.replace(/^=+|=+$/g, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body)) return undefined;
  const padding = text.length - text.replace(/=+$/, '').length;
  if (body.length % 4 === 1) return undefined;
  if (body.length % 4 !== 0 && padding < 4 - (body.length % 4)) return undefined;
  return Buffer.from(body, 'base64');
}

/** `/container/object` → its parts (the object keeps any further slashes). */
export function splitSegmentPath(path: string): { container: string; object: string } {
  const rest = path.replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  return { container: rest.slice(0, slash), object: rest.slice(slash + 1) };
}

/**
 * The segments of a manifest PUT body, or 400 with one line per problem (Swift's texts).
 * `self` is the manifest's own container and object: a manifest may not contain itself.
 */
export function parseManifestInput(
  body: string,
  self: { container: string; object: string },
): SegmentInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new StratusError('BAD_REQUEST', 'Manifest must be valid JSON.\n');
  }
  if (!Array.isArray(parsed)) throw new StratusError('BAD_REQUEST', 'Manifest must be a list.\n');
  const errors: string[] = [];
  const segments: SegmentInput[] = [];
  for (const [index, item] of (parsed as unknown[]).entries()) {
    const result = checkSegment(item, index, index === parsed.length - 1, self);
    if (typeof result === 'string') errors.push(`Index ${index}: ${result}`);
    else segments.push(result);
  }
  const isData = (s: unknown) => typeof s === 'object' && s !== null && 'data' in s;
  if (parsed.length > 0 && (parsed as unknown[]).every(isData))
    errors.push('Inline data segments require at least one object-backed segment.');
  if (errors.length > 0)
    throw new StratusError('BAD_REQUEST', errors.map((line) => `${line}\n`).join(''));
  return segments;
}

/** One segment description, or the reason it is refused. */
function checkSegment(
  item: unknown,
  index: number,
  isLast: boolean,
  self: { container: string; object: string },
): SegmentInput | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not a JSON object';
  const seg = item as Record<string, unknown>;
  const kind = SEGMENT_KEYS.find(([key]) => key in seg);
  if (!kind) return `expected keys to include one of 'data' or 'path'`;
  const extraneous = Object.keys(seg)
    .filter((key) => !kind[1].includes(key))
    .sort();
  if (extraneous.length > 0)
    return `extraneous keys ${extraneous.map((key) => pythonJson(key)).join(', ')}`;
  if (kind[0] === 'data') {
    const data = strictBase64(seg.data);
    if (!data) return 'data must be valid base64';
    if (data.length < 1) return 'too small; each segment must be at least 1 byte.';
    return { kind: 'data', data };
  }
  const path = seg.path;
  if (typeof path !== 'string') return '"path" must be a string';
  if (seg.etag !== undefined && seg.etag !== null && typeof seg.etag !== 'string')
    return '"etag" must be a string or null (if provided)';
  if (!path.replace(/^\/+|\/+$/g, '').includes('/'))
    return 'path does not refer to an object. Path must be of the form /container/object.';
  let sizeBytes: number | undefined;
  if (seg.size_bytes !== undefined && seg.size_bytes !== null) {
    sizeBytes = pythonInt(seg.size_bytes);
    if (sizeBytes === undefined) return 'invalid size_bytes';
    if (sizeBytes < 1 && !isLast) return 'too small; each segment must be at least 1 byte.';
  }
  const target = splitSegmentPath(path);
  if (target.container === self.container && target.object === self.object)
    return 'manifest must not include itself as a segment';
  let range: RangeSpec | undefined;
  if (seg.range !== undefined && seg.range !== null && seg.range !== '' && seg.range !== 0) {
    const specs = parseRangeSpecs(
      typeof seg.range === 'string' ? seg.range : JSON.stringify(seg.range),
    );
    if (!specs) return 'invalid range';
    if (specs.length > 1) return 'multiple ranges (only one allowed)';
    range = specs[0]!;
    if (sizeBytes !== undefined && !rangeFits(range, sizeBytes)) return 'unsatisfiable range';
  }
  return {
    kind: 'object',
    path,
    etag: typeof seg.etag === 'string' ? seg.etag : undefined,
    sizeBytes,
    range,
  };
}

function rangeFits(range: RangeSpec, size: number): boolean {
  if (range.start === undefined) return range.end !== 0;
  return range.start < size;
}

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/**
 * The large object's ETag (unquoted): the MD5 of its segments' ETags concatenated, where a
 * ranged segment counts as `<etag>:<first>-<last>;` and inline data as the MD5 of the data.
 */
export function sloEtag(
  segments: readonly (StoredSegment | { data: Buffer } | LoadedSegment)[],
): string {
  const hash = createHash('md5');
  for (const seg of segments) {
    if ('kind' in seg) {
      if (seg.kind === 'data') hash.update(md5(seg.data));
      else if (seg.range) hash.update(`${seg.hash}:${seg.range[0]}-${seg.range[1]};`);
      else hash.update(seg.hash);
    } else if ('data' in seg) {
      hash.update(md5(typeof seg.data === 'string' ? Buffer.from(seg.data, 'base64') : seg.data));
    } else if (seg.range) hash.update(`${seg.hash}:${seg.range};`);
    else hash.update(seg.hash);
  }
  return hash.digest('hex');
}

/** The manifest body to store: Swift writes it with json.dumps. */
export function serializeManifest(segments: readonly StoredSegment[]): Buffer {
  return Buffer.from(pythonJson(segments), 'utf8');
}

/** `;swift_bytes=N` from a content type, as container listings read it. */
export function swiftBytesOf(contentType: string | undefined): number | undefined {
  const match = /;\s*swift_bytes=(\d+)\s*(?=;|$)/.exec(contentType ?? '');
  return match ? Number(match[1]) : undefined;
}

/** A content type without its `swift_bytes` parameter (Swift hides it from clients). */
export function withoutSwiftBytes(contentType: string): string {
  return contentType.replace(/;\s*swift_bytes=\d*\s*(?=;|$)/g, '');
}

/**
 * A stored manifest read back; throws a plain Error (the caller decides the status) when it
 * is not a manifest Stratus or Swift could have written.
 */
export function loadManifest(body: Buffer): LoadedSegment[] {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (!Array.isArray(parsed)) throw new Error('manifest is not a list');
  return parsed.map((item: unknown): LoadedSegment => {
    if (typeof item !== 'object' || item === null) throw new Error('bad manifest entry');
    const seg = item as Record<string, unknown>;
    if (typeof seg.data === 'string') {
      const data = Buffer.from(seg.data, 'base64');
      return { kind: 'data', data, length: data.length };
    }
    if (typeof seg.name !== 'string') throw new Error('manifest entry without a name');
    const subSlo = seg.sub_slo === true || String(seg.sub_slo).toLowerCase() === 'true';
    let bytes = Number(seg.bytes);
    // Manifests written before sub-SLO sizes were known carry the total in swift_bytes.
    if (subSlo)
      bytes = swiftBytesOf(typeof seg.content_type === 'string' ? seg.content_type : '') ?? bytes;
    if (!Number.isFinite(bytes)) throw new Error('manifest entry without a size');
    let range: [number, number] | undefined;
    if (typeof seg.range === 'string' && seg.range !== '') {
      const [first, last] = seg.range.split('-').map(Number);
      if (!Number.isInteger(first) || !Number.isInteger(last)) throw new Error('bad range');
      range = [first!, last!];
    }
    return {
      kind: 'object',
      name: seg.name,
      hash: typeof seg.hash === 'string' ? seg.hash : '',
      bytes,
      range,
      subSlo,
      length: range ? range[1] - range[0] + 1 : bytes,
    };
  });
}

/**
 * `?multipart-manifest=get&format=raw`: the stored manifest in the form a client PUTs
 * (path, etag, size_bytes, range), keys sorted as Swift's json.dumps(sort_keys=True).
 */
export function rawManifest(body: Buffer): Buffer {
  const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>[];
  const raw = parsed.map((seg) => {
    if ('data' in seg) return seg;
    const {
      name,
      bytes,
      hash,
      content_type: _type,
      last_modified: _modified,
      sub_slo: _sub,
      ...rest
    } = seg;
    return { ...rest, path: name ?? null, size_bytes: bytes ?? null, etag: hash ?? null };
  });
  return Buffer.from(pythonJson(raw, true), 'utf8');
}
