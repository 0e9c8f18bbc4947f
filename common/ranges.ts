/**
 * HTTP Range requests as Swift answers them (swob's Range): `bytes=0-99`, `bytes=-500`
 * (suffix), `bytes=9500-` (open-ended) and lists of those. A header that does not parse is
 * ignored (full 200 response); one whose every range lies past the end is unsatisfiable (416).
 */

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export type RangeResult =
  { kind: 'full' } | { kind: 'unsatisfiable' } | { kind: 'partial'; ranges: ByteRange[] };

/**
 * Swift refuses (416) ranges that look like a denial of service (RFC 7233 section 6.1): more
 * than 50, more than 2 overlapping, or 8 or more out of ascending order.
 */
export const MAX_RANGES = 50;
const MAX_OVERLAPS = 2;
const MAX_NONASCENDING = 8;

function egregious(ranges: readonly ByteRange[]): boolean {
  if (ranges.length > MAX_RANGES) return true;
  let overlaps = 0;
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.start <= b.end && b.start <= a.end && ++overlaps > MAX_OVERLAPS) return true;
    }
  }
  const ascending = ranges.every((r, i) => i === 0 || ranges[i - 1]!.start <= r.start);
  return !ascending && ranges.length >= MAX_NONASCENDING;
}

export function evaluateRange(header: string | undefined, length: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) return { kind: 'full' };
  const specs = match[1]!.split(',').map((spec) => spec.trim());
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const parts = /^(\d*)-(\d*)$/.exec(spec);
    if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'full' };
    const first = parts[1] === '' ? undefined : Number(parts[1]);
    const last = parts[2] === '' ? undefined : Number(parts[2]);
    if (first !== undefined && last !== undefined && last < first) return { kind: 'full' };
    if (first === undefined) {
      // Suffix range: the last N bytes (of an empty object: the whole of it, as Swift).
      if (last === 0) continue;
      if (length === 0) return { kind: 'full' };
      ranges.push({ start: Math.max(0, length - last!), end: length - 1 });
    } else if (first < length) {
      ranges.push({
        start: first,
        end: last === undefined ? length - 1 : Math.min(last, length - 1),
      });
    }
  }
  if (ranges.length === 0 || egregious(ranges)) return { kind: 'unsatisfiable' };
  return { kind: 'partial', ranges };
}

export function contentRange(range: ByteRange, length: number): string {
  return `bytes ${range.start}-${range.end}/${length}`;
}
