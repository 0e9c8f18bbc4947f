/**
 * Swift's account and container listings as clients see them: the query parameters, the
 * choice of format (`format=` or `Accept`), and the JSON, XML and plain-text bodies byte for
 * byte as Swift writes them (Python's `json.dumps` and ElementTree). Pure functions: the
 * container and account servers render with them, and the proxy can re-render a backend's JSON
 * with them.
 */
import { StratusError } from './errors.js';

/** An object in a container listing, with Swift's JSON key names. */
export interface ObjectRecord {
  hash: string;
  /** `Timestamp.isoformat`: `2014-01-15T16:41:49.390270`. */
  last_modified: string;
  bytes: number;
  name: string;
  content_type: string;
}

/** A container in an account listing, with Swift's JSON key names. */
export interface ContainerRecord {
  name: string;
  count: number;
  bytes: number;
  last_modified: string;
}

/** Names rolled up by `delimiter`: `photos/` stands for every name starting with it. */
export interface SubdirRecord {
  subdir: string;
}

export type ObjectListingEntry = ObjectRecord | SubdirRecord;
export type AccountListingEntry = ContainerRecord | SubdirRecord;

export interface ListingParams {
  limit: number;
  /** Only names after this one ('' = from the start). */
  marker: string;
  /** Only names before this one ('' = to the end). */
  endMarker: string;
  /** Only names starting with this ('' = all). */
  prefix: string;
  /** One character; names are rolled up at its first occurrence after the prefix. */
  delimiter?: string;
  /** Legacy pseudo-folder query: the names directly "inside" `path` (containers only). */
  path?: string;
  reverse: boolean;
}

export const LISTING_LIMIT = 10_000;

/** Swift's `config_true_value` words. */
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 't', 'y']);

export function isTrueValue(text: string | null | undefined): boolean {
  return text !== null && text !== undefined && TRUE_VALUES.has(text.toLowerCase());
}

/**
 * Reads the listing parameters as Swift's servers do: a `limit` that is not a plain number is
 * ignored (the default applies), one above the maximum is a 412, and a delimiter must be a
 * single character up to U+00FE (412 `Bad delimiter`). `path` counts only for containers.
 */
export function parseListingParams(
  query: URLSearchParams,
  options: { maxLimit?: number; allowPath?: boolean } = {},
): ListingParams {
  const maxLimit = options.maxLimit ?? LISTING_LIMIT;
  let limit = maxLimit;
  const givenLimit = query.get('limit');
  if (givenLimit !== null && /^\d+$/.test(givenLimit)) {
    limit = Number(givenLimit);
    if (limit > maxLimit) {
      throw new StratusError('PRECONDITION_FAILED', `Maximum limit is ${maxLimit}`);
    }
  }
  const delimiter = query.get('delimiter') ?? '';
  if (delimiter !== '') {
    const chars = [...delimiter];
    if (chars.length > 1 || delimiter.codePointAt(0)! > 254) {
      throw new StratusError('PRECONDITION_FAILED', 'Bad delimiter');
    }
  }
  const params: ListingParams = {
    limit,
    marker: query.get('marker') ?? '',
    endMarker: query.get('end_marker') ?? '',
    prefix: query.get('prefix') ?? '',
    reverse: isTrueValue(query.get('reverse')),
  };
  if (delimiter !== '') params.delimiter = delimiter;
  const path = query.get('path');
  if (options.allowPath && path !== null) params.path = path;
  return params;
}

export type ListingFormat = 'json' | 'xml' | 'plain';

export interface ListingMediaType {
  format: ListingFormat;
  /** The Content-Type header: the matched type plus `; charset=utf-8`. */
  contentType: string;
}

const OFFERED = ['text/plain', 'application/json', 'application/xml', 'text/xml'] as const;
const FORMAT_TYPES: Record<string, string> = {
  plain: 'text/plain',
  json: 'application/json',
  xml: 'application/xml',
};
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_RANGE = new RegExp(
  `^\\s*(${TOKEN})/(${TOKEN})((?:\\s*;\\s*${TOKEN}\\s*=\\s*(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*)\\s*$`,
);

/**
 * The listing's media type: `format=json|xml|plain` wins (any other value means plain), else
 * the best match of `Accept` among text/plain, application/json, application/xml and text/xml
 * (highest q first, exact types before wildcards, then that order). No Accept → plain text.
 * An unparsable Accept is a 400, one matching none of them a 406.
 */
export function listingMediaType(
  format: string | null | undefined,
  accept: string | undefined,
): ListingMediaType {
  const header = format ? (FORMAT_TYPES[format.toLowerCase()] ?? 'text/plain') : accept;
  const chosen = bestMatch(header);
  if (chosen === undefined) throw new StratusError('NOT_ACCEPTABLE', 'Not Acceptable');
  const listingFormat: ListingFormat = chosen.endsWith('/json')
    ? 'json'
    : chosen.endsWith('/xml')
      ? 'xml'
      : 'plain';
  return { format: listingFormat, contentType: `${chosen}; charset=utf-8` };
}

function bestMatch(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return OFFERED[0];
  const ranges = header.split(',').map((item) => {
    const match = MEDIA_RANGE.exec(item);
    if (!match) throw new StratusError('BAD_REQUEST', 'Invalid Accept header');
    const [, type = '', subtype = '', params = ''] = match;
    let quality = 1;
    let seenQuality = false;
    for (const param of params.split(';')) {
      const [name = '', value = ''] = param.split('=').map((part) => part.trim());
      if (name.toLowerCase() !== 'q') continue;
      if (seenQuality) throw new StratusError('BAD_REQUEST', 'Invalid Accept header');
      seenQuality = true;
      quality = Number(value);
      if (value === '' || Number.isNaN(quality))
        throw new StratusError('BAD_REQUEST', 'Invalid Accept header');
    }
    return {
      type: type.toLowerCase(),
      subtype: subtype.toLowerCase(),
      quality,
      exact: type !== '*' && subtype !== '*',
    };
  });
  // Highest quality first, then exact types before wildcards; the sort is stable.
  ranges.sort((a, b) => b.quality - a.quality || Number(b.exact) - Number(a.exact));
  for (const range of ranges) {
    for (const offered of OFFERED) {
      const [type, subtype] = offered.split('/');
      if (
        (range.type === '*' || range.type === type) &&
        (range.subtype === '*' || range.subtype === subtype)
      ) {
        return offered;
      }
    }
  }
  return undefined;
}

export interface RenderedListing {
  /** 204 for an empty plain-text listing (no body), 200 otherwise. */
  status: 200 | 204;
  contentType: string;
  body: string;
}

function rendered(media: ListingMediaType, body: string): RenderedListing {
  return { status: body === '' ? 204 : 200, contentType: media.contentType, body };
}

/** The body of `GET /a/c`: objects and subdirs. */
export function containerListing(
  media: ListingMediaType,
  container: string,
  entries: readonly ObjectListingEntry[],
): RenderedListing {
  if (media.format === 'plain') return rendered(media, plainText(entries));
  if (media.format === 'json') {
    return rendered(
      media,
      jsonList(entries, (entry) =>
        'subdir' in entry
          ? `{"subdir": ${pyString(entry.subdir)}}`
          : `{"hash": ${pyString(entry.hash)}, "last_modified": ${pyString(entry.last_modified)}, "bytes": ${entry.bytes}, ` +
            `"name": ${pyString(entry.name)}, "content_type": ${pyString(entry.content_type)}}`,
      ),
    );
  }
  const children = entries.map((entry) =>
    'subdir' in entry
      ? `<subdir name="${escapeAttribute(entry.subdir)}">${element('name', entry.subdir)}</subdir>`
      : `<object>${element('name', entry.name)}${element('hash', entry.hash)}${element('bytes', String(entry.bytes))}` +
        `${element('content_type', entry.content_type)}${element('last_modified', entry.last_modified)}</object>`,
  );
  const open = `<container name="${escapeAttribute(container)}"`;
  return rendered(
    media,
    XML_DECLARATION +
      (children.length === 0 ? `${open} />` : `${open}>${children.join('')}</container>`),
  );
}

/** The body of `GET /a`: containers and subdirs. */
export function accountListing(
  media: ListingMediaType,
  account: string,
  entries: readonly AccountListingEntry[],
): RenderedListing {
  if (media.format === 'plain') return rendered(media, plainText(entries));
  if (media.format === 'json') {
    return rendered(
      media,
      jsonList(entries, (entry) =>
        'subdir' in entry
          ? `{"subdir": ${pyString(entry.subdir)}}`
          : `{"name": ${pyString(entry.name)}, "count": ${entry.count}, "bytes": ${entry.bytes}, ` +
            `"last_modified": ${pyString(entry.last_modified)}}`,
      ),
    );
  }
  // Swift's account XML (unlike its container XML) puts each entry on its own line.
  const lines = entries.map((entry) =>
    'subdir' in entry
      ? `<subdir name="${escapeAttribute(entry.subdir)}" />\n`
      : `<container>${element('name', entry.name)}${element('count', String(entry.count))}${element('bytes', String(entry.bytes))}` +
        `${element('last_modified', entry.last_modified)}</container>\n`,
  );
  return rendered(
    media,
    `${XML_DECLARATION}<account name="${escapeAttribute(account)}">\n${lines.join('')}</account>`,
  );
}

function plainText(entries: readonly (ObjectListingEntry | AccountListingEntry)[]): string {
  let body = '';
  for (const entry of entries) body += `${'subdir' in entry ? entry.subdir : entry.name}\n`;
  return body;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** ElementTree's serialisation: an element without text is written `<tag />`. */
function element(tag: string, text: string): string {
  return text === '' ? `<${tag} />` : `<${tag}>${escapeText(text)}</${tag}>`;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  '\r': '&#13;',
  '\n': '&#10;',
  '\t': '&#09;',
};

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (char) => TEXT_ESCAPES[char]!);
}

export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"\r\n\t]/g, (char) => ATTRIBUTE_ESCAPES[char]!);
}

function jsonList<T>(entries: readonly T[], item: (entry: T) => string): string {
  return `[${entries.map(item).join(', ')}]`;
}

/** A JSON string as Python's `json.dumps` writes it: everything outside printable ASCII escaped. */
export function pyString(text: string): string {
  if (!needsJsonEscape(text)) return `"${text}"`;
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function needsJsonEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code >= 0x7f) return true;
  }
  return false;
}
