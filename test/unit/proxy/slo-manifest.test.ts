import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import {
  loadManifest,
  parseManifestInput,
  rawManifest,
  serializeManifest,
  sloEtag,
  strictBase64,
  swiftBytesOf,
  withoutSwiftBytes,
  type StoredSegment,
} from '../../../proxy/large-object/manifest.js';

const self = { container: 'c', object: 'manifest' };
const md5 = (text: string | Buffer) => createHash('md5').update(text).digest('hex');

/** The 400 message parseManifestInput throws for a body. */
function refusal(body: unknown): string {
  try {
    parseManifestInput(typeof body === 'string' ? body : JSON.stringify(body), self);
  } catch (err) {
    expect(err).toBeInstanceOf(StratusError);
    expect((err as StratusError).status).toBe(400);
    return (err as StratusError).message;
  }
  throw new Error('accepted');
}

describe('manifest validation (PUT ?multipart-manifest=put)', () => {
  it('accepts paths with optional etag, size_bytes and range, and inline data', () => {
    const segments = parseManifestInput(
      JSON.stringify([
        { path: '/c/a', etag: 'x', size_bytes: 10 },
        { path: 'c/b/deep', size_bytes: '7', range: '1-2' },
        { data: Buffer.from('hi').toString('base64') },
        { path: '/c/last', etag: null, size_bytes: null },
      ]),
      self,
    );
    expect(segments).toEqual([
      { kind: 'object', path: '/c/a', etag: 'x', sizeBytes: 10, range: undefined },
      {
        kind: 'object',
        path: 'c/b/deep',
        etag: undefined,
        sizeBytes: 7,
        range: { start: 1, end: 2 },
      },
      { kind: 'data', data: Buffer.from('hi') },
      { kind: 'object', path: '/c/last', etag: undefined, sizeBytes: undefined, range: undefined },
    ]);
  });

  it('refuses what is not a JSON list', () => {
    expect(refusal('[{')).toBe('Manifest must be valid JSON.\n');
    expect(refusal({ path: '/c/o' })).toBe('Manifest must be a list.\n');
  });

  it("lists every bad segment with Swift's messages", () => {
    expect(
      refusal([
        'nope',
        { etag: 'x' },
        { path: '/c/o', bytes: 1, zz: 2 },
        { path: 5 },
        { path: '/c/o', etag: 7 },
        { path: '/onlycontainer/' },
        { path: '/c/o', size_bytes: 'ten' },
        { path: '/c/o', size_bytes: 0 },
        { path: '/c/manifest' },
        { path: '/c/o', range: '5-3' },
        { path: '/c/o', range: '1-2,4-5' },
        { path: '/c/o', range: '10-', size_bytes: 10 },
        { data: 'not base64!' },
        { data: '' },
        { path: '/c/o', size_bytes: 0 },
      ]),
    ).toBe(
      [
        'Index 0: not a JSON object',
        "Index 1: expected keys to include one of 'data' or 'path'",
        'Index 2: extraneous keys "bytes", "zz"',
        'Index 3: "path" must be a string',
        'Index 4: "etag" must be a string or null (if provided)',
        'Index 5: path does not refer to an object. Path must be of the form /container/object.',
        'Index 6: invalid size_bytes',
        'Index 7: too small; each segment must be at least 1 byte.',
        'Index 8: manifest must not include itself as a segment',
        'Index 9: invalid range',
        'Index 10: multiple ranges (only one allowed)',
        'Index 11: unsatisfiable range',
        'Index 12: data must be valid base64',
        'Index 13: too small; each segment must be at least 1 byte.',
        '',
      ].join('\n'),
    );
  });

  it('lets only the last segment be empty', () => {
    expect(
      parseManifestInput(JSON.stringify([{ path: '/c/a', size_bytes: 0 }]), self),
    ).toHaveLength(1);
  });

  it('needs at least one object-backed segment', () => {
    expect(refusal([{ data: 'aGk=' }])).toBe(
      'Inline data segments require at least one object-backed segment.\n',
    );
  });

  it('treats data and path together as data with an extraneous key', () => {
    expect(refusal([{ data: 'aGk=', path: '/c/o' }])).toBe(
      'Index 0: extraneous keys "path"\n' +
        'Inline data segments require at least one object-backed segment.\n',
    );
  });
});

describe('strict base64', () => {
  it('decodes the standard alphabet with proper padding only', () => {
    expect(strictBase64('aGk=')).toEqual(Buffer.from('hi'));
    expect(strictBase64('aGVsbG8=')).toEqual(Buffer.from('hello'));
    expect(strictBase64('aGk')).toBeUndefined();
    expect(strictBase64('a-_k')).toBeUndefined();
    expect(strictBase64('aG k=')).toBeUndefined();
    expect(strictBase64(12)).toBeUndefined();
  });
});

describe('large object ETag', () => {
  it("is the MD5 of the segments' ETags (Swift's documented example)", () => {
    const segments: StoredSegment[] = [
      {
        name: '/c/1',
        bytes: 10,
        hash: 'etagoftheobjectsegment1',
        content_type: '',
        last_modified: '',
      },
      {
        name: '/c/2',
        bytes: 10,
        hash: 'etagoftheobjectsegment2',
        content_type: '',
        last_modified: '',
      },
    ];
    expect(sloEtag(segments)).toBe(md5('etagoftheobjectsegment1etagoftheobjectsegment2'));
  });

  it('counts ranged segments as etag:range; and data as the MD5 of the data', () => {
    const segments: StoredSegment[] = [
      {
        name: '/c/1',
        bytes: 10,
        hash: 'etagoftheobjectsegmentone',
        content_type: '',
        last_modified: '',
        range: '1-2',
      },
      {
        name: '/c/2',
        bytes: 10,
        hash: 'etagoftheobjectsegmenttwo',
        content_type: '',
        last_modified: '',
        range: '3-4',
      },
    ];
    expect(sloEtag(segments)).toBe(
      md5('etagoftheobjectsegmentone:1-2;etagoftheobjectsegmenttwo:3-4;'),
    );
    expect(sloEtag([...segments, { data: Buffer.from('xyz').toString('base64') }])).toBe(
      md5(`etagoftheobjectsegmentone:1-2;etagoftheobjectsegmenttwo:3-4;${md5('xyz')}`),
    );
  });

  it('is the same computed from a stored manifest read back', () => {
    const stored: StoredSegment[] = [
      { name: '/c/1', bytes: 10, hash: 'a', content_type: 't', last_modified: 'l', range: '2-5' },
      { data: Buffer.from('xyz').toString('base64') },
      { name: '/c/2', bytes: 3, hash: 'b', content_type: 't', last_modified: 'l' },
    ];
    const loaded = loadManifest(serializeManifest(stored));
    expect(sloEtag(loaded)).toBe(sloEtag(stored));
    expect(loaded.map((seg) => seg.length)).toEqual([4, 3, 3]);
  });
});

describe('stored manifests', () => {
  const stored: StoredSegment[] = [
    {
      name: '/c/a',
      bytes: 5,
      hash: 'h1',
      content_type: 'text/plain',
      last_modified: '2024-01-01T00:00:00.000000',
      range: '1-3',
    },
    {
      name: '/c/sub',
      bytes: 100,
      hash: 'h2',
      content_type: 'application/octet-stream',
      last_modified: '2024-01-01T00:00:00.000000',
      sub_slo: true,
    },
  ];

  it("are written as Python's json.dumps writes them", () => {
    expect(serializeManifest([stored[0]!]).toString()).toBe(
      '[{"name": "/c/a", "bytes": 5, "hash": "h1", "content_type": "text/plain", ' +
        '"last_modified": "2024-01-01T00:00:00.000000", "range": "1-3"}]',
    );
  });

  it('come back in the PUT form with format=raw', () => {
    expect(rawManifest(serializeManifest([...stored, { data: 'aGk=' }])).toString()).toBe(
      '[{"etag": "h1", "path": "/c/a", "range": "1-3", "size_bytes": 5}, ' +
        '{"etag": "h2", "path": "/c/sub", "size_bytes": 100}, {"data": "aGk="}]',
    );
  });

  it('take a legacy sub-manifest size from swift_bytes', () => {
    const legacy = Buffer.from(
      JSON.stringify([
        {
          name: '/c/sub',
          bytes: 80,
          hash: 'h',
          content_type: 'a/b;swift_bytes=5000',
          sub_slo: true,
        },
      ]),
    );
    expect(loadManifest(legacy)[0]).toMatchObject({ kind: 'object', bytes: 5000, subSlo: true });
    expect(() => loadManifest(Buffer.from('{"not": "a list"}'))).toThrow();
  });

  it('hide and read swift_bytes in content types', () => {
    expect(swiftBytesOf('video/mp4;swift_bytes=123')).toBe(123);
    expect(swiftBytesOf('video/mp4')).toBeUndefined();
    expect(withoutSwiftBytes('video/mp4;swift_bytes=123')).toBe('video/mp4');
    expect(withoutSwiftBytes('a/b; swift_bytes=1; charset=x')).toBe('a/b; charset=x');
  });
});
