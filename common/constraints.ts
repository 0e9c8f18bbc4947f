/**
 * Swift's default constraints (swift/common/constraints.py) and the checks that enforce them.
 * The same numbers are published under `/info` → `swift`, so clients can discover them.
 */
import { StratusError } from './errors.js';

export interface Constraints {
  maxFileSize: number;
  maxMetaNameLength: number;
  maxMetaValueLength: number;
  maxMetaCount: number;
  maxMetaOverallSize: number;
  maxHeaderSize: number;
  maxObjectNameLength: number;
  maxContainerNameLength: number;
  maxAccountNameLength: number;
  containerListingLimit: number;
  accountListingLimit: number;
}

export const DEFAULT_CONSTRAINTS: Readonly<Constraints> = Object.freeze({
  maxFileSize: 5 * 1024 ** 3 + 2, // 5 GiB + 2, exactly as Swift
  maxMetaNameLength: 128,
  maxMetaValueLength: 256,
  maxMetaCount: 90,
  maxMetaOverallSize: 4096,
  maxHeaderSize: 8192,
  maxObjectNameLength: 1024,
  maxContainerNameLength: 256,
  maxAccountNameLength: 256,
  containerListingLimit: 10_000,
  accountListingLimit: 10_000,
});

export type MetadataTarget = 'account' | 'container' | 'object';

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

function badName(message: string): StratusError {
  return new StratusError('INVALID_NAME', message);
}

function badMetadata(message: string): StratusError {
  return new StratusError('INVALID_METADATA', message);
}

/** Rejects names that are empty, too long, contain NUL or are not valid UTF-8 (lone surrogates). */
function checkName(kind: 'Account' | 'Container' | 'Object', name: string, max: number): void {
  if (name === '') throw badName(`${kind} name cannot be empty`);
  if (name.includes('\0')) throw badName(`${kind} name contains a NUL character`);
  if (!name.isWellFormed()) throw badName(`${kind} name is not valid UTF-8`);
  const length = utf8Length(name);
  if (length > max) throw badName(`${kind} name length of ${length} longer than ${max}`);
}

export function checkAccountName(name: string, limits: Constraints = DEFAULT_CONSTRAINTS): void {
  checkName('Account', name, limits.maxAccountNameLength);
}

export function checkContainerName(name: string, limits: Constraints = DEFAULT_CONSTRAINTS): void {
  checkName('Container', name, limits.maxContainerNameLength);
  if (name.includes('/')) throw badName('Container name cannot contain a slash');
}

export function checkObjectName(name: string, limits: Constraints = DEFAULT_CONSTRAINTS): void {
  checkName('Object', name, limits.maxObjectNameLength);
}

/** 413 when a declared object size exceeds the maximum. */
export function checkObjectSize(bytes: number, limits: Constraints = DEFAULT_CONSTRAINTS): void {
  if (bytes > limits.maxFileSize) {
    throw new StratusError('TOO_LARGE', 'Your request is too large.');
  }
}

/**
 * Checks the `X-<Target>-Meta-*` headers of a request as Swift's check_metadata does:
 * name and value lengths, item count and total size (names without the prefix plus values,
 * in UTF-8 bytes). `headers` are lower-cased names as Node delivers them.
 */
export function checkMetadata(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  target: MetadataTarget,
  limits: Constraints = DEFAULT_CONSTRAINTS,
): void {
  const prefix = `x-${target}-meta-`;
  let count = 0;
  let size = 0;
  for (const [header, raw] of Object.entries(headers)) {
    if (!header.startsWith(prefix) || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const key = header.slice(prefix.length);
    if (key === '') throw badMetadata('Metadata name cannot be empty');
    if (!value.isWellFormed() || !key.isWellFormed()) {
      throw badMetadata('Metadata must be valid UTF-8');
    }
    const keyLength = utf8Length(key);
    const valueLength = utf8Length(value);
    if (keyLength > limits.maxMetaNameLength) {
      throw badMetadata(`Metadata name too long: ${header}`);
    }
    if (valueLength > limits.maxMetaValueLength) {
      throw badMetadata(`Metadata value longer than ${limits.maxMetaValueLength}: ${header}`);
    }
    count += 1;
    size += keyLength + valueLength;
    if (count > limits.maxMetaCount) {
      throw badMetadata(`Too many metadata items; max ${limits.maxMetaCount}`);
    }
    if (size > limits.maxMetaOverallSize) {
      throw badMetadata(`Total metadata too large; max ${limits.maxMetaOverallSize}`);
    }
  }
}
