/**
 * The bodies bulk operations answer with (Swift's bulk.py get_response_body): one summary
 * dictionary — `Response Status`, `Response Body`, counters — plus `Errors`, a list of
 * [quoted path, status line] pairs, as JSON, XML or plain text chosen by the Accept header.
 * Clients parse these bodies (python-swiftclient reads the JSON), so the shapes are Swift's
 * to the character: Python's JSON separators, sorted keys in XML and text.
 */
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { statusText } from '../../common/http-status.js';

export const ACCEPTABLE_FORMATS = [
  'text/plain',
  'application/json',
  'application/xml',
  'text/xml',
] as const;

export type BulkFormat = (typeof ACCEPTABLE_FORMATS)[number];

/** Swift's longest path: a container and an object name with their slashes. */
export const MAX_PATH_LENGTH =
  DEFAULT_CONSTRAINTS.maxObjectNameLength + DEFAULT_CONSTRAINTS.maxContainerNameLength + 2;

/** A summary in insertion order (JSON keeps it; XML and text sort the keys as Swift does). */
export type BulkSummary = [key: string, value: string | number][];
export type BulkErrors = [path: string, status: string][];

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_RANGE = new RegExp(`^\\s*(${TOKEN})/(${TOKEN})\\s*((?:;[^;]*)*)$`);

/**
 * The format an Accept header asks for among Swift's four (swob's best_match): text/plain
 * without an Accept header, undefined when nothing acceptable matches or the header is garbled.
 */
export function bestFormat(accept: string | undefined): BulkFormat | undefined {
  if (accept === undefined || accept.trim() === '') return ACCEPTABLE_FORMATS[0];
  const ranges: { type: string; subtype: string; q: number; exact: boolean }[] = [];
  for (const item of accept.split(',')) {
    const match = MEDIA_RANGE.exec(item);
    if (!match) return undefined;
    let q = 1;
    for (const param of match[3]!.split(';')) {
      const [name, value] = param.split('=').map((part) => part.trim());
      if (name === 'q') {
        q = Number(value);
        if (!Number.isFinite(q)) return undefined;
      }
    }
    const [type, subtype] = [match[1]!.toLowerCase(), match[2]!.toLowerCase()];
    ranges.push({ type, subtype, q, exact: type !== '*' && subtype !== '*' });
  }
  // Highest quality first; among equals, exact types before wildcards (stable otherwise).
  ranges.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact));
  for (const range of ranges) {
    if (range.q <= 0) continue;
    const found = ACCEPTABLE_FORMATS.find((format) => {
      const [type, subtype] = format.split('/');
      return (
        (range.type === '*' || range.type === type) &&
        (range.subtype === '*' || range.subtype === subtype)
      );
    });
    if (found) return found;
  }
  return undefined;
}

/** The Content-Type of a bulk response in the given format. */
export function contentTypeOf(format: BulkFormat): string {
  return `${format}; charset=utf-8`;
}

const EXTRA_REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  403: 'Forbidden',
  498: 'Rate Limited',
};

/** Swift's status line for a status, e.g. `404 Not Found`, `502 Bad Gateway`. */
export function statusLine(status: number): string {
  return `${status} ${EXTRA_REASONS[status] ?? statusText(status)}`;
}

const UNRESERVED = /^[A-Za-z0-9_.\-~/]$/;

/** Python's `urllib.parse.quote(path)` (safe `/`), over the path's bytes. */
export function quotePath(path: Buffer | string): string {
  const bytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : path;
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && UNRESERVED.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `json.dumps` with Python's default separators and ensure_ascii. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const items = Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`);
    return `{${items.join(', ')}}`;
  }
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The result body. `rootTag` names the XML root (`delete` or `extract`); the XML carries no
 * declaration (bulk sends it as its first keep-alive instead, as Swift does).
 */
export function resultBody(
  format: BulkFormat | undefined,
  summary: BulkSummary,
  errors: BulkErrors,
  rootTag: 'delete' | 'extract',
): string {
  const sorted = [...summary].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (format === 'application/json') {
    return pythonJson({ ...Object.fromEntries(summary), Errors: errors });
  }
  if (format === 'application/xml' || format === 'text/xml') {
    const lines = [`<${rootTag}>`];
    for (const [key, value] of sorted) {
      const tag = key.replace(/ /g, '_').toLowerCase();
      lines.push(`<${tag}>${xmlEscape(String(value))}</${tag}>`);
    }
    lines.push('<errors>');
    for (const [name, status] of errors) {
      lines.push(
        `<object><name>${xmlEscape(name)}</name><status>${xmlEscape(status)}</status></object>`,
      );
    }
    lines.push('</errors>', `</${rootTag}>`);
    return `${lines.join('\n')}\n`;
  }
  let out = sorted.map(([key, value]) => `${key}: ${value}\n`).join('');
  out += 'Errors:\n';
  out += errors.map(([name, status]) => `${name}, ${status}\n`).join('');
  return out;
}

/**
 * `Response Status` and `Response Body` for an error that ended a bulk operation: a
 * StratusError's status and message (e.g. `413` and `Maximum Bulk Deletes: …`), else 500.
 */
export function errorOutcome(err: unknown): { status: string; body: string } {
  if (err instanceof StratusError) return { status: statusLine(err.status), body: err.message };
  return { status: statusLine(500), body: '' };
}
