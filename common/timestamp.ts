/**
 * Swift-style timestamps: fixed precision of 10 µs, a "normal" form of 16 characters
 * (`%016.05f`, e.g. `1402437380.58186`) and an "internal" form that appends a 64-bit
 * hexadecimal offset (`1402437380.58186_000000000000000a`) when two events share a time.
 *
 * Values are kept as integer ticks of 10 µs (exact, safe below 2^53) plus a bigint offset,
 * so comparison is exact and ordering is total: ticks first, then offset.
 */
import { StratusError } from './errors.js';

const TICKS_PER_SECOND = 100_000;
const MAX_TICKS = 10 ** 15 - 1; // 9999999999.99999: ten digits, as %016.05f can hold
const MAX_OFFSET = (1n << 64n) - 1n;
const TIMESTAMP_PATTERN = /^(\d{1,10})(?:\.(\d+))?(?:_([0-9a-fA-F]{1,16}))?$/;

export class Timestamp {
  /** Integer count of 10 µs ticks since the epoch. */
  readonly ticks: number;
  readonly offset: bigint;

  constructor(ticks: number, offset: bigint = 0n) {
    if (!Number.isSafeInteger(ticks) || ticks < 0 || ticks > MAX_TICKS) {
      throw invalid(String(ticks), 'out of range');
    }
    if (offset < 0n || offset > MAX_OFFSET) throw invalid(String(offset), 'offset out of range');
    this.ticks = ticks;
    this.offset = offset;
  }

  /**
   * Parses the normal or internal form, or a plain decimal such as `1402437380.5818625`
   * (rounded to 10 µs as Swift does). Anything else is a 400: an `X-Timestamp` from the
   * wire is untrusted input.
   */
  static parse(text: string): Timestamp {
    const match = TIMESTAMP_PATTERN.exec(text.trim());
    if (!match)
      throw invalid(text, 'expected seconds with up to 5 decimals, e.g. 1700000000.12345');
    const [, whole = '0', fraction = '', offsetHex] = match;
    let ticks = Number(whole) * TICKS_PER_SECOND + Number(fraction.slice(0, 5).padEnd(5, '0'));
    if (fraction.length > 5 && Number(fraction[5]) >= 5) ticks += 1; // round half up
    if (ticks > MAX_TICKS) throw invalid(text, 'too large');
    return new Timestamp(ticks, offsetHex === undefined ? 0n : BigInt(`0x${offsetHex}`));
  }

  /** Builds a timestamp from seconds since the epoch (a float), rounded to 10 µs. */
  static fromSeconds(seconds: number, offset: bigint = 0n): Timestamp {
    if (!Number.isFinite(seconds)) throw invalid(String(seconds), 'not a number');
    return new Timestamp(Math.round(seconds * TICKS_PER_SECOND), offset);
  }

  /** Like `parse`, but `undefined` for a missing header. */
  static parseOptional(text: string | undefined): Timestamp | undefined {
    return text === undefined || text === '' ? undefined : Timestamp.parse(text);
  }

  /** The current time; successive calls in one process never return equal or older values. */
  static now(): Timestamp {
    const ticks = Math.max(Math.floor(Date.now() * (TICKS_PER_SECOND / 1000)), lastIssuedTicks + 1);
    lastIssuedTicks = ticks;
    return new Timestamp(ticks);
  }

  get seconds(): number {
    return this.ticks / TICKS_PER_SECOND;
  }

  /** `%016.05f`: ten integer digits, a dot, five decimals. */
  get normal(): string {
    const whole = Math.floor(this.ticks / TICKS_PER_SECOND);
    const fraction = this.ticks % TICKS_PER_SECOND;
    return `${String(whole).padStart(10, '0')}.${String(fraction).padStart(5, '0')}`;
  }

  /** The normal form, plus `_<16 hex digits>` when there is an offset. */
  get internal(): string {
    if (this.offset === 0n) return this.normal;
    return `${this.normal}_${this.offset.toString(16).padStart(16, '0')}`;
  }

  /** `2014-01-15T16:41:49.390270`: Swift's listing `last_modified` (UTC, microseconds, no zone). */
  get isoformat(): string {
    const millis = Math.floor(this.ticks / 100);
    const micros = (this.ticks % TICKS_PER_SECOND) * 10;
    const iso = new Date(millis).toISOString().slice(0, 19);
    return `${iso}.${String(micros).padStart(6, '0')}`;
  }

  /** RFC 7231 date for `Last-Modified`, rounded up to the whole second as Swift does. */
  get httpDate(): string {
    return new Date(Math.ceil(this.ticks / TICKS_PER_SECOND) * 1000).toUTCString();
  }

  withOffset(offset: bigint): Timestamp {
    return new Timestamp(this.ticks, offset);
  }

  compare(other: Timestamp): number {
    if (this.ticks !== other.ticks) return this.ticks < other.ticks ? -1 : 1;
    if (this.offset !== other.offset) return this.offset < other.offset ? -1 : 1;
    return 0;
  }

  equals(other: Timestamp): boolean {
    return this.compare(other) === 0;
  }

  isNewerThan(other: Timestamp | undefined): boolean {
    return other === undefined || this.compare(other) > 0;
  }

  toString(): string {
    return this.internal;
  }
}

let lastIssuedTicks = 0;

function invalid(text: string, why: string): StratusError {
  const shown = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return new StratusError(
    'INVALID_TIMESTAMP',
    `Invalid timestamp ${JSON.stringify(shown)}: ${why}`,
  );
}
