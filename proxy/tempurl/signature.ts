/**
 * The signatures TempURL and FormPost verify (Swift's swift/common/digest.py): an HMAC over
 * newline-joined fields with one of the account's or container's Temp-URL keys, given either
 * as hex (the length names the digest: 40 sha1, 64 sha256, 128 sha512) or as
 * `<digest>:<base64>` (standard or URL-safe alphabet, padding optional).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConfigSection } from '../../common/config.js';
import { StratusError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

export const SUPPORTED_DIGESTS = ['sha1', 'sha256', 'sha512'] as const;
export type Digest = (typeof SUPPORTED_DIGESTS)[number];
/** Still accepted by default, but announced as deprecated in /info (as Swift does). */
export const DEPRECATED_DIGESTS: readonly Digest[] = ['sha1'];

const HEX_LENGTHS: Record<number, Digest> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export interface DigestSettings {
  allowed: Digest[];
  deprecated: Digest[];
}

/**
 * `allowed_digests` from a filter's section (default: all supported). Unknown names are
 * dropped with a warning; none left is a configuration error.
 */
export function readAllowedDigests(conf: ConfigSection, log: Logger): DigestSettings {
  const configured = conf.list('allowed_digests').map((name) => name.toLowerCase());
  const wanted = configured.length > 0 ? configured : [...SUPPORTED_DIGESTS];
  const allowed = [...new Set(wanted)].filter((name): name is Digest =>
    (SUPPORTED_DIGESTS as readonly string[]).includes(name),
  );
  const unsupported = wanted.filter((name) => !allowed.includes(name as Digest));
  if (unsupported.length > 0)
    log.warn({ unsupported }, 'configured digest algorithms are not supported');
  if (allowed.length === 0)
    throw new StratusError(
      'CONFIG_INVALID',
      `[${conf.name}] no valid digest algorithms are configured`,
    );
  allowed.sort();
  return { allowed, deprecated: allowed.filter((name) => DEPRECATED_DIGESTS.includes(name)) };
}

/** A client's signature as digest name and lower-case hex, or undefined when malformed. */
export function parseSignature(value: string): { algorithm: string; hex: string } | undefined {
  const colon = value.indexOf(':');
  if (colon < 0) {
    const algorithm = HEX_LENGTHS[value.length];
    if (!algorithm || !/^[0-9a-fA-F]*$/.test(value)) return undefined;
    // Compared as text, as Swift does: the hex must be lower-case to match.
    return { algorithm, hex: value };
  }
  const algorithm = value.slice(0, colon);
  let encoded = value.slice(colon + 1);
  if (/[-_]/.test(encoded) && !/[+/]/.test(encoded))
    encoded = encoded.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = strictBase64(encoded);
  return bytes ? { algorithm, hex: bytes.toString('hex') } : undefined;
}

/** Base64 that refuses stray characters and impossible lengths (Node's decoder skips them). */
function strictBase64(text: string): Buffer | undefined {
  const body = text.replace(/^=+|=+$/g, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, 'base64');
}

export function hmacHex(key: string, message: string, algorithm: Digest): string {
  return createHmac(algorithm, Buffer.from(key, 'utf8'))
    .update(Buffer.from(message, 'utf8'))
    .digest('hex');
}

/** TempURL's signed text: `[ip=<range>\n]METHOD\nEXPIRES\nPATH`. */
export function tempUrlMessage(
  method: string,
  expires: number,
  path: string,
  ipRange?: string,
): string {
  const fields = [method, String(expires), path];
  if (ipRange) fields.unshift(`ip=${ipRange}`);
  return fields.join('\n');
}

/** FormPost's signed text: `PATH\nREDIRECT\nMAX_FILE_SIZE\nMAX_FILE_COUNT\nEXPIRES`. */
export function formPostMessage(fields: {
  path: string;
  redirect: string;
  maxFileSize: string;
  maxFileCount: string;
  expires: string;
}): string {
  return [
    fields.path,
    fields.redirect,
    fields.maxFileSize,
    fields.maxFileCount,
    fields.expires,
  ].join('\n');
}

/** Constant-time comparison of two signatures (their length is no secret). */
export function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Python's `int(text)`: optional blanks and sign, digits with single underscores between. */
export function pythonInt(text: string): number | undefined {
  const match = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[2]!.replace(/_/g, ''));
  return match[1] === '-' ? -value : value;
}

const ISO_8601 = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})Z$/;

/**
 * `temp_url_expires` as Unix seconds: an integer or `%Y-%m-%dT%H:%M:%SZ`. 0 when unreadable
 * or already past, which every caller treats as invalid.
 */
export function parseExpires(text: string, nowSeconds: number): number {
  let expires = pythonInt(text);
  if (expires === undefined) {
    const match = ISO_8601.exec(text);
    if (!match) return 0;
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (
      month < 1 ||
      month > 12 ||
      date.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 61
    ) {
      return 0;
    }
    expires = date.getTime() / 1000 + hour * 3600 + minute * 60 + second;
  }
  return expires < nowSeconds ? 0 : expires;
}
