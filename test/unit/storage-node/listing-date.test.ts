/** The container listing's `last_modified`, computed from a row's stored timestamp digits. */
import { describe, expect, it } from 'vitest';
import { Timestamp } from '../../../common/timestamp.js';
import { isoformat } from '../../../storage-node/container/server.js';

describe('listing last_modified', () => {
  it('matches Timestamp.isoformat for stored timestamps, offsets and leap days included', () => {
    const samples = [
      '0000000000.00000',
      '0951782399.99999', // 2000-02-28T23:59:59
      '0951868800.00001', // 2000-03-01, after a leap day
      '1402437380.58186',
      '1402437380.58186_000000000000000a',
      '4107542400.00000', // 2100-03-01, not a leap year
      '9999999999.99999',
    ];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 48271) % 2147483647;
      const seconds = String(seed * 4.65)
        .split('.')[0]!
        .padStart(10, '0')
        .slice(-10);
      samples.push(`${seconds}.${String(seed % 100000).padStart(5, '0')}`);
    }
    for (const text of samples) expect(isoformat(text), text).toBe(Timestamp.parse(text).isoformat);
    expect(isoformat('1402437380.58186')).toBe('2014-06-10T21:56:20.581860');
  });

  it('falls back to the full parser for other spellings', () => {
    expect(isoformat('1402437380.5')).toBe('2014-06-10T21:56:20.500000');
  });
});
