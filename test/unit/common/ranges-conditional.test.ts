import { describe, expect, it } from 'vitest';
import { etagList, evaluateConditions } from '../../../common/conditional.js';
import { evaluateRange } from '../../../common/ranges.js';

describe('evaluateRange', () => {
  it('reads single, suffix and open-ended ranges', () => {
    expect(evaluateRange('bytes=0-99', 1000)).toEqual({
      kind: 'partial',
      ranges: [{ start: 0, end: 99 }],
    });
    expect(evaluateRange('bytes=-100', 1000)).toEqual({
      kind: 'partial',
      ranges: [{ start: 900, end: 999 }],
    });
    expect(evaluateRange('bytes=900-', 1000)).toEqual({
      kind: 'partial',
      ranges: [{ start: 900, end: 999 }],
    });
    expect(evaluateRange('bytes=-5000', 1000)).toEqual({
      kind: 'partial',
      ranges: [{ start: 0, end: 999 }],
    });
    expect(evaluateRange('bytes=990-5000', 1000)).toEqual({
      kind: 'partial',
      ranges: [{ start: 990, end: 999 }],
    });
  });

  it('keeps several ranges and drops the unsatisfiable ones', () => {
    expect(evaluateRange('bytes=0-0, 5000-6000, -1', 1000)).toEqual({
      kind: 'partial',
      ranges: [
        { start: 0, end: 0 },
        { start: 999, end: 999 },
      ],
    });
  });

  it('is unsatisfiable only when no range overlaps the object', () => {
    expect(evaluateRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    // A suffix range on an empty object is served whole, as Swift does.
    expect(evaluateRange('bytes=-3', 0)).toEqual({ kind: 'full' });
  });

  it('refuses egregious range sets with 416, as Swift does', () => {
    expect(evaluateRange('bytes=0-10,5-15,8-20,9-30', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(
      evaluateRange(
        `bytes=${[9, 8, 7, 6, 5, 4, 3, 2].map((i) => `${i * 10}-${i * 10}`).join(',')}`,
        1000,
      ),
    ).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=0-10,5-15', 1000).kind).toBe('partial');
  });

  it('ignores headers it cannot parse, as Swift does', () => {
    for (const header of [
      undefined,
      '',
      'bytes=',
      'bytes=a-b',
      'bytes=5-1',
      'items=0-1',
      'bytes=-',
      'bytes=0-1;x',
    ]) {
      expect(evaluateRange(header, 1000)).toEqual({ kind: 'full' });
    }
    expect(
      evaluateRange(`bytes=${Array.from({ length: 51 }, (_, i) => `${i}-${i}`).join(',')}`, 1000),
    ).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('evaluateConditions', () => {
  const etag = 'abc';
  const modified = 1_700_000_000;
  const date = (seconds: number) => new Date(seconds * 1000).toUTCString();

  it('reads ETag lists with quotes, weak tags and stars', () => {
    expect(etagList('"a", W/"b" ,c,*')).toEqual(['a', 'b', 'c', '*']);
  });

  it('applies If-Match and If-None-Match', () => {
    expect(evaluateConditions({ 'if-match': '"abc"' }, etag, modified)).toBe(200);
    expect(evaluateConditions({ 'if-match': '"x", *' }, etag, modified)).toBe(200);
    expect(evaluateConditions({ 'if-match': '"x"' }, etag, modified)).toBe(412);
    expect(evaluateConditions({ 'if-none-match': 'abc' }, etag, modified)).toBe(304);
    expect(evaluateConditions({ 'if-none-match': '"x"' }, etag, modified)).toBe(200);
  });

  it('applies the date conditions unless the matching ETag condition is present', () => {
    expect(evaluateConditions({ 'if-modified-since': date(modified) }, etag, modified)).toBe(304);
    expect(evaluateConditions({ 'if-modified-since': date(modified - 1) }, etag, modified)).toBe(
      200,
    );
    expect(evaluateConditions({ 'if-unmodified-since': date(modified - 1) }, etag, modified)).toBe(
      412,
    );
    expect(evaluateConditions({ 'if-unmodified-since': date(modified) }, etag, modified)).toBe(200);
    expect(
      evaluateConditions(
        { 'if-none-match': '"x"', 'if-modified-since': date(modified) },
        etag,
        modified,
      ),
    ).toBe(200);
    expect(
      evaluateConditions(
        { 'if-match': 'abc', 'if-unmodified-since': date(modified - 1) },
        etag,
        modified,
      ),
    ).toBe(200);
    expect(evaluateConditions({ 'if-modified-since': 'not a date' }, etag, modified)).toBe(200);
  });
});
