import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import { Timestamp } from '../../../common/timestamp.js';

describe('Timestamp', () => {
  it('formats the normal form as %016.05f', () => {
    expect(Timestamp.parse('1402437380.58186').normal).toBe('1402437380.58186');
    expect(Timestamp.parse('1').normal).toBe('0000000001.00000');
    expect(Timestamp.parse('12.5').normal).toBe('0000000012.50000');
    expect(Timestamp.parse('1402437380.58186').normal).toHaveLength(16);
  });

  it('rounds to 10 µs, half up, carrying into the seconds', () => {
    expect(Timestamp.parse('1.123454').normal).toBe('0000000001.12345');
    expect(Timestamp.parse('1.123455').normal).toBe('0000000001.12346');
    expect(Timestamp.parse('1.999995').normal).toBe('0000000002.00000');
  });

  it('keeps offsets in the internal form and orders by time then offset', () => {
    const plain = Timestamp.parse('1402437380.58186');
    const offset = Timestamp.parse('1402437380.58186_000000000000000a');
    expect(offset.internal).toBe('1402437380.58186_000000000000000a');
    expect(offset.normal).toBe('1402437380.58186');
    expect(plain.internal).toBe('1402437380.58186');
    expect(plain.compare(offset)).toBe(-1);
    expect(offset.isNewerThan(plain)).toBe(true);
    expect(Timestamp.parse('1402437380.58187').compare(offset)).toBe(1);
    expect(Timestamp.parse('1402437380.58186_0').equals(plain)).toBe(true);
  });

  it('round-trips the internal form, including the largest offset', () => {
    const text = '9999999999.99999_ffffffffffffffff';
    expect(Timestamp.parse(text).internal).toBe(text);
  });

  it.each([
    '',
    'abc',
    '-1',
    '1e9',
    '0x10',
    '1.2.3',
    '12345678901',
    '1_',
    '1_xyz',
    '1_00000000000000001',
    ' 1 2',
  ])('rejects %j with a 400 INVALID_TIMESTAMP', (text) => {
    let caught: unknown;
    try {
      Timestamp.parse(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StratusError);
    expect((caught as StratusError).status).toBe(400);
    expect((caught as StratusError).code).toBe('INVALID_TIMESTAMP');
  });

  it('issues strictly increasing values from now()', () => {
    const seen = Array.from({ length: 1000 }, () => Timestamp.now());
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.compare(seen[i - 1]!)).toBe(1);
  });

  it('renders listing and HTTP dates as Swift does', () => {
    const ts = Timestamp.parse('1389804109.39027');
    expect(ts.isoformat).toBe('2014-01-15T16:41:49.390270');
    // Last-Modified rounds up to the next whole second.
    expect(ts.httpDate).toBe('Wed, 15 Jan 2014 16:41:50 GMT');
    expect(Timestamp.parse('1389804109').httpDate).toBe('Wed, 15 Jan 2014 16:41:49 GMT');
  });

  it('builds from float seconds', () => {
    expect(Timestamp.fromSeconds(1.5).normal).toBe('0000000001.50000');
    expect(() => Timestamp.fromSeconds(Number.NaN)).toThrow(StratusError);
  });
});
