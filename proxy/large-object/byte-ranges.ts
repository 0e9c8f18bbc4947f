/**
 * Byte arithmetic for large objects: the one-range specs a manifest's segments may carry
 * (parsed as Swift's swob.Range parses a Range header), and the mapping of a byte range of
 * the whole large object onto the segments it spans.
 */

/** One range as written (`a-b`, `a-`, `-n`), before the object's length is known. */
export interface RangeSpec {
  start: number | undefined;
  end: number | undefined;
}

/**
 * The ranges of `bytes=<text>` as swob reads them (spaces ignored), or undefined when any
 * of them is syntactically invalid (`5-3`, `-`, `45`, `x-1`).
 */
export function parseRangeSpecs(text: string): RangeSpec[] | undefined {
  const specs: RangeSpec[] = [];
  for (const part of text.replace(/ /g, '').split(',')) {
    const hyphen = part.indexOf('-');
    if (hyphen < 0) return undefined;
    const first = part.slice(0, hyphen);
    const last = part.slice(hyphen + 1);
    if (first !== '' && !/^\+?\d+$/.test(first)) return undefined;
    if (last !== '' && !/^\d+$/.test(last)) return undefined;
    const start = first === '' ? undefined : Number(first);
    const end = last === '' ? undefined : Number(last);
    if (start === undefined && end === undefined) return undefined;
    if (start !== undefined && end !== undefined && end < start) return undefined;
    specs.push({ start, end });
  }
  return specs;
}

/**
 * The satisfiable part of a range for an object of `length` bytes, as `[first, last]`
 * (inclusive), or undefined when none of it is (swob's ranges_for_length for one range).
 */
export function resolveRange(spec: RangeSpec, length: number): [number, number] | undefined {
  if (spec.start === undefined) {
    const suffix = spec.end!;
    if (suffix === 0) return undefined;
    return [Math.max(0, length - suffix), length - 1];
  }
  if (spec.start >= length) return undefined;
  return [spec.start, spec.end === undefined ? length - 1 : Math.min(spec.end, length - 1)];
}

/** The bytes `first..last` (inclusive) of one segment, relative to that segment's data. */
export interface Slice {
  index: number;
  first: number;
  last: number;
}

/**
 * Which segments, and which bytes of each, make up bytes `first..last` (inclusive) of the
 * concatenation of segments of the given lengths. Segments outside the range are skipped,
 * so a reader fetches only what it serves.
 */
export function* slicesOf(
  lengths: readonly number[],
  first: number,
  last: number,
): Generator<Slice> {
  let offset = 0;
  for (const [index, length] of lengths.entries()) {
    const end = offset + length - 1;
    if (offset > last) return;
    if (length > 0 && end >= first) {
      yield { index, first: Math.max(first, offset) - offset, last: Math.min(last, end) - offset };
    }
    offset += length;
  }
}
