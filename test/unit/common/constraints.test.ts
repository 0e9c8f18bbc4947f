import { describe, expect, it } from 'vitest';
import {
  checkContainerName,
  checkMetadata,
  checkObjectName,
  checkObjectSize,
  DEFAULT_CONSTRAINTS,
} from '../../../common/constraints.js';
import { StratusError } from '../../../common/errors.js';

function statusOfCall(fn: () => void): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as StratusError).status;
  }
}

describe('constraints', () => {
  it('has Swift defaults', () => {
    expect(DEFAULT_CONSTRAINTS).toMatchObject({
      maxFileSize: 5368709122,
      maxMetaNameLength: 128,
      maxMetaValueLength: 256,
      maxMetaCount: 90,
      maxMetaOverallSize: 4096,
      maxObjectNameLength: 1024,
      maxContainerNameLength: 256,
      containerListingLimit: 10000,
    });
  });

  it('limits name lengths in UTF-8 bytes', () => {
    expect(statusOfCall(() => checkObjectName('a'.repeat(1024)))).toBeUndefined();
    expect(statusOfCall(() => checkObjectName('a'.repeat(1025)))).toBe(400);
    expect(statusOfCall(() => checkObjectName('é'.repeat(513)))).toBe(400); // 1026 bytes
    expect(statusOfCall(() => checkContainerName('c'.repeat(256)))).toBeUndefined();
    expect(statusOfCall(() => checkContainerName('c'.repeat(257)))).toBe(400);
    expect(() => checkObjectName('x'.repeat(1025))).toThrow(
      'Object name length of 1025 longer than 1024',
    );
  });

  it('rejects empty names, NUL, lone surrogates and slashes in containers', () => {
    expect(statusOfCall(() => checkObjectName(''))).toBe(400);
    expect(statusOfCall(() => checkObjectName('a\0b'))).toBe(400);
    expect(statusOfCall(() => checkObjectName('bad\ud800'))).toBe(400);
    expect(statusOfCall(() => checkContainerName('a/b'))).toBe(400);
    expect(statusOfCall(() => checkObjectName('dir/sub/file ✓'))).toBeUndefined();
  });

  it('answers 413 above the maximum object size', () => {
    expect(statusOfCall(() => checkObjectSize(5368709122))).toBeUndefined();
    expect(statusOfCall(() => checkObjectSize(5368709123))).toBe(413);
  });

  it('checks metadata name, value, count and total size', () => {
    const meta = (entries: Record<string, string>) => () => checkMetadata(entries, 'object');
    expect(statusOfCall(meta({ 'x-object-meta-color': 'blue' }))).toBeUndefined();
    expect(statusOfCall(meta({ 'x-object-meta-': 'blue' }))).toBe(400);
    expect(statusOfCall(meta({ [`x-object-meta-${'n'.repeat(128)}`]: 'v' }))).toBeUndefined();
    expect(statusOfCall(meta({ [`x-object-meta-${'n'.repeat(129)}`]: 'v' }))).toBe(400);
    expect(statusOfCall(meta({ 'x-object-meta-k': 'v'.repeat(256) }))).toBeUndefined();
    expect(statusOfCall(meta({ 'x-object-meta-k': 'v'.repeat(257) }))).toBe(400);
    const ninety = Object.fromEntries(
      Array.from({ length: 90 }, (_, i) => [`x-object-meta-k${i}`, 'v']),
    );
    expect(statusOfCall(meta(ninety))).toBeUndefined();
    expect(statusOfCall(meta({ ...ninety, 'x-object-meta-one-more': 'v' }))).toBe(400);
    // 16 items of 4 + 252 bytes = 4096 exactly; one more byte is too much.
    const full = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [
        `x-object-meta-${String(i).padStart(4, '0')}`,
        'v'.repeat(252),
      ]),
    );
    expect(statusOfCall(meta(full))).toBeUndefined();
    expect(statusOfCall(meta({ ...full, 'x-object-meta-z': '' }))).toBe(400);
  });

  it('checks only the target kind of metadata', () => {
    expect(
      statusOfCall(() => checkMetadata({ 'x-container-meta-k': 'v'.repeat(300) }, 'object')),
    ).toBeUndefined();
    expect(
      statusOfCall(() => checkMetadata({ 'x-container-meta-k': 'v'.repeat(300) }, 'container')),
    ).toBe(400);
  });
});
