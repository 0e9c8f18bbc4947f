import { describe, expect, it } from 'vitest';
import { missingServerFlags, SERVER_V8_FLAGS } from '../../../common/server-flags.js';

describe('server V8 flags', () => {
  it('reports every flag a process was started without', () => {
    expect(missingServerFlags([])).toEqual([...SERVER_V8_FLAGS]);
    expect(missingServerFlags(['--enable-source-maps'])).toEqual([...SERVER_V8_FLAGS]);
  });

  it('accepts the flags as given, or with another value an operator chose', () => {
    expect(missingServerFlags([...SERVER_V8_FLAGS])).toEqual([]);
    expect(missingServerFlags(['--initial-old-space-size=256'])).toEqual([]);
  });

  it('does not take a flag of a similar name for the one needed', () => {
    expect(missingServerFlags(['--initial-old-space-size-x=64'])).toEqual([...SERVER_V8_FLAGS]);
  });
});
