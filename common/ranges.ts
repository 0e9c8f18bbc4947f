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

/** Swift refuses to serve more ranges than this in one request (answers the whole object). */
export const MAX_RANGES = 50;

export function evaluateRange(header: string | undefined, length: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) return { kind: 'full' };
  const specs = match[1]!.split(',').map((spec) => spec.trim());
  if (specs.length > MAX_RANGES) return { kind: 'full' };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const parts = /^(\d*)-(\d*)$/.exec(spec);
    if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'full' };
    const first = parts[1] === '' ? undefined : Number(parts[1]);
    const last = parts[2] === '' ? undefined : Number(parts[2]);
    if (first !== undefined && last !== undefined && last < first) return { kind: 'full' };
    if (first === undefined) {
      // Suffix range: the last N bytes.
      if (last === 0) continue;
      ranges.push({ start: Math.max(0, length - last!), end: length - 1 });
    } else if (first < length) {
      ranges.push({
        start: first,
        end: last === undefined ? length - 1 : Math.min(last, length - 1),
      });
    }
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'partial', ranges };
}

export function contentRange(range: ByteRange, length: number): string {
  return `bytes ${range.start}-${range.end}/${length}`;
}
