import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseListingParams, type SubdirRecord } from '../../../common/listing.js';
import { Timestamp } from '../../../common/timestamp.js';
import {
  ContainerBroker,
  type ObjectRow,
  type ObjectUpdate,
} from '../../../storage-node/container/broker.js';
import { createDatabase, databasePath } from '../../../storage-node/db/files.js';
import { DatabaseHandles } from '../../../storage-node/db/handles.js';
import { visibleMetadata } from '../../../storage-node/db/metadata.js';
import { compareNames, prefixEnd } from '../../../storage-node/db/name-listing.js';

const root = await mkdtemp(join(tmpdir(), 'stratus-container-broker-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const ts = (seconds: number) => Timestamp.fromSeconds(1_700_000_000 + seconds);
let devicePath: string;
let handles: DatabaseHandles;
let broker: ContainerBroker;
let count = 0;

async function newContainer(put = ts(0)): Promise<ContainerBroker> {
  count += 1;
  const hash = `${String(count).padStart(13, '0')}abc`;
  const path = databasePath(devicePath, 'containers', 7, hash);
  expect(
    await ContainerBroker.create(devicePath, path, {
      account: 'AUTH_test',
      container: 'c',
      putTimestamp: put,
      metadata: {},
    }),
  ).toBe(true);
  return new ContainerBroker(handles, path);
}

beforeEach(async () => {
  devicePath = await mkdtemp(join(root, 'sdb1-'));
  handles = new DatabaseHandles();
  broker = await newContainer();
});

/** Every column of every row, tombstones included, straight from the file. */
function rawRows(
  b: ContainerBroker,
): { rowid: number; name: string; created_at: string; size: number; deleted: number }[] {
  const db = new Database(b.path, { readonly: true });
  try {
    return db
      .prepare('SELECT ROWID AS rowid, name, created_at, size, deleted FROM object ORDER BY name')
      .all() as never;
  } finally {
    db.close();
  }
}

function names(entries: (ObjectRow | SubdirRecord)[]): string[] {
  return entries.map((entry) => ('subdir' in entry ? entry.subdir : entry[0]));
}

function list(b: ContainerBroker, query: string): string[] {
  return names(b.listObjects(parseListingParams(new URLSearchParams(query), { allowPath: true })));
}

function put(b: ContainerBroker, name: string, seconds = 1, size = 10): boolean {
  return b.putObject(name, ts(seconds), size, 'text/plain', `etag-${name}`);
}

describe('creating a container database', () => {
  it('creates it once at <device>/containers/<part>/<suffix>/<hash>/<hash>.db, in WAL mode, leaving no temp file', async () => {
    const hash = '00000000000000ff';
    const path = databasePath(devicePath, 'containers', 3, hash);
    expect(path).toBe(join(devicePath, 'containers', '3', '0ff', hash, `${hash}.db`));
    const init = {
      account: 'a',
      container: 'c',
      putTimestamp: ts(5),
      metadata: { 'X-Container-Meta-Color': ['blue', ts(5).internal] as [string, string] },
    };
    expect(await ContainerBroker.create(devicePath, path, init)).toBe(true);
    expect(await ContainerBroker.create(devicePath, path, { ...init, putTimestamp: ts(9) })).toBe(
      false,
    );
    expect(await readdir(join(devicePath, 'tmp'))).toEqual([]);
    const created = new ContainerBroker(handles, path);
    const info = created.info()!;
    expect(info.putTimestamp.internal).toBe(ts(5).internal);
    expect(info.account).toBe('a');
    expect(info.container).toBe('c');
    expect(info.objectCount).toBe(0);
    expect(visibleMetadata(info.metadata)).toEqual({ 'X-Container-Meta-Color': 'blue' });
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('leaves nothing where servers look when initialisation fails', async () => {
    const path = databasePath(devicePath, 'containers', 3, '1111111111111111');
    await expect(
      createDatabase(devicePath, path, (db) => {
        db.exec('CREATE TABLE half_made (x)');
        throw new Error('crash in the middle');
      }),
    ).rejects.toThrow('crash in the middle');
    expect(existsSync(path)).toBe(false);
    expect(await readdir(join(devicePath, 'tmp'))).toEqual([]);
    expect(new ContainerBroker(handles, path).info()).toBeUndefined();
  });

  it('lets exactly one of two concurrent creations win', async () => {
    const path = databasePath(devicePath, 'containers', 3, '2222222222222222');
    const init = { account: 'a', container: 'c', putTimestamp: ts(1), metadata: {} };
    const results = await Promise.all([
      ContainerBroker.create(devicePath, path, init),
      ContainerBroker.create(devicePath, path, init),
    ]);
    expect(results.sort()).toEqual([false, true]);
  });
});

describe('object rows', () => {
  it('keeps the newest version of each name; older and equal updates change nothing', () => {
    expect(put(broker, 'o', 5, 100)).toBe(true);
    expect(put(broker, 'o', 3, 999)).toBe(false);
    expect(put(broker, 'o', 5, 999)).toBe(false);
    expect(rawRows(broker)).toMatchObject([
      { name: 'o', created_at: ts(5).internal, size: 100, deleted: 0 },
    ]);
    expect(put(broker, 'o', 6, 7)).toBe(true);
    expect(rawRows(broker)).toMatchObject([
      { name: 'o', created_at: ts(6).internal, size: 7, deleted: 0 },
    ]);
  });

  it('orders timestamps with offsets after the plain time', () => {
    expect(broker.putObject('o', ts(5).withOffset(2n), 1, 't', 'e')).toBe(true);
    expect(broker.putObject('o', ts(5).withOffset(1n), 2, 't', 'e')).toBe(false);
    expect(broker.putObject('o', ts(5), 3, 't', 'e')).toBe(false);
    expect(rawRows(broker)[0]!.size).toBe(1);
  });

  it('keeps a tombstone for a deleted object so an older PUT cannot bring it back', () => {
    put(broker, 'o', 1);
    expect(broker.deleteObject('o', ts(2))).toBe(true);
    expect(put(broker, 'o', 1.5)).toBe(false);
    expect(rawRows(broker)).toMatchObject([
      { name: 'o', created_at: ts(2).internal, size: 0, deleted: 1 },
    ]);
    expect(list(broker, '')).toEqual([]);
    expect(put(broker, 'o', 3)).toBe(true);
    expect(list(broker, '')).toEqual(['o']);
  });

  it('records a DELETE for a name never seen, beating a PUT that arrives later with an older time', () => {
    expect(broker.deleteObject('ghost', ts(9))).toBe(true);
    expect(put(broker, 'ghost', 8)).toBe(false);
    expect(broker.info()!.objectCount).toBe(0);
  });

  it('keeps object_count and bytes_used exact through puts, overwrites and deletes', () => {
    put(broker, 'a', 1, 100);
    put(broker, 'b', 1, 20);
    put(broker, 'a', 2, 50);
    put(broker, 'a', 1.5, 5000);
    broker.deleteObject('b', ts(3));
    broker.deleteObject('b', ts(4));
    broker.deleteObject('zz', ts(4));
    put(broker, 'c', 5, 1);
    const info = broker.info()!;
    expect(info.objectCount).toBe(2);
    expect(info.bytesUsed).toBe(51);
  });

  it('gives every change a new, larger ROWID and forbids updating a row in place', () => {
    put(broker, 'a', 1);
    put(broker, 'b', 1);
    const [a1] = rawRows(broker);
    put(broker, 'a', 2);
    const a2 = rawRows(broker).find((row) => row.name === 'a')!;
    expect(a2.rowid).toBeGreaterThan(a1!.rowid);
    broker.deleteObject('a', ts(3));
    const a3 = rawRows(broker).find((row) => row.name === 'a')!;
    expect(a3.rowid).toBeGreaterThan(a2.rowid);
    const db = new Database(broker.path);
    expect(() => db.prepare("UPDATE object SET size = 1 WHERE name = 'b'").run()).toThrow(
      /UPDATE not allowed/,
    );
    db.close();
  });

  it('merges a batch in one go, duplicates included, newest winning', () => {
    const updates: ObjectUpdate[] = [
      { name: 'x', timestamp: ts(2), size: 2, contentType: 't', etag: 'e', deleted: false },
      { name: 'x', timestamp: ts(1), size: 1, contentType: 't', etag: 'e', deleted: false },
      { name: 'y', timestamp: ts(1), size: 4, contentType: 't', etag: 'e', deleted: false },
      {
        name: 'y',
        timestamp: ts(3),
        size: 0,
        contentType: 'application/deleted',
        etag: 'noetag',
        deleted: true,
      },
    ];
    expect(broker.mergeObjects(updates)).toBe(3);
    expect(rawRows(broker)).toMatchObject([
      { name: 'x', size: 2, deleted: 0 },
      { name: 'y', deleted: 1 },
    ]);
    expect(broker.info()).toMatchObject({ objectCount: 1, bytesUsed: 2 });
  });
});

describe('container state', () => {
  it('is deleted by a DELETE newer than its PUT once empty, and comes back with a newer PUT', () => {
    put(broker, 'o', 1);
    expect(broker.recordDelete(ts(2))).toBe('not-empty');
    broker.deleteObject('o', ts(2));
    expect(broker.recordDelete(ts(0))).toBe('newer-put');
    expect(broker.isDeleted(broker.info()!)).toBe(false);
    expect(broker.recordDelete(ts(3))).toBe('deleted');
    expect(broker.isDeleted(broker.info()!)).toBe(true);
    expect(broker.recordDelete(ts(4))).toBe('already-deleted');
    expect(broker.info()!.deleteTimestamp.internal).toBe(ts(4).internal);
    expect(broker.recordPut(ts(3.5), {})).toBe('still-deleted');
    expect(broker.info()!.putTimestamp.internal).toBe(ts(0).internal);
    expect(broker.recordPut(ts(5), {})).toBe('recreated');
    const info = broker.info()!;
    expect(broker.isDeleted(info)).toBe(false);
    expect(info.statusChangedAt.internal).toBe(ts(5).internal);
    expect(broker.recordPut(ts(6), {})).toBe('updated');
  });

  it('merges metadata per key, newest first, hides removed keys and clears it on DELETE', () => {
    const md = (value: string, seconds: number): [string, string] => [value, ts(seconds).internal];
    broker.recordPost(
      ts(2),
      { 'X-Container-Meta-A': md('1', 2), 'X-Container-Meta-B': md('x', 2) },
      true,
    );
    broker.recordPost(
      ts(1),
      { 'X-Container-Meta-A': md('old', 1), 'X-Container-Meta-C': md('c', 1) },
      true,
    );
    broker.recordPost(ts(3), { 'X-Container-Meta-B': md('', 3) }, false);
    let info = broker.info()!;
    expect(visibleMetadata(info.metadata)).toEqual({
      'X-Container-Meta-A': '1',
      'X-Container-Meta-C': 'c',
    });
    expect(info.metadata['X-Container-Meta-B']).toEqual(['', ts(3).internal]);
    expect(info.putTimestamp.internal).toBe(ts(2).internal);
    broker.recordPost(ts(2.5), { 'X-Container-Meta-B': md('stale', 2.5) }, true);
    expect(visibleMetadata(broker.info()!.metadata)['X-Container-Meta-B']).toBeUndefined();
    expect(broker.recordDelete(ts(4))).toBe('deleted');
    info = broker.info()!;
    expect(visibleMetadata(info.metadata)).toEqual({});
  });

  it('refuses metadata that adds up past Swift’s limits, changing nothing', () => {
    const big = 'v'.repeat(200);
    for (let i = 0; i < 20; i++)
      broker.recordPost(ts(1), { [`X-Container-Meta-K${i}`]: [big, ts(1).internal] }, false);
    expect(() =>
      broker.recordPost(ts(2), { 'X-Container-Meta-Last': [big, ts(2).internal] }, true),
    ).toThrow(/Total metadata too large/);
    const info = broker.info()!;
    expect(info.metadata['X-Container-Meta-Last']).toBeUndefined();
    expect(info.putTimestamp.internal).toBe(ts(0).internal);
  });
});

describe('listings', () => {
  beforeEach(() => {
    for (const name of [
      'a',
      'a/',
      'a/b',
      'a/b/c',
      'a/b0',
      'a/c',
      'b',
      'b/x',
      'photos/2024/1.jpg',
      'photos/2024/2.jpg',
      'photos/2025/1.jpg',
      'photos/cat.jpg',
      'z',
    ]) {
      put(broker, name);
    }
  });

  it('lists every live name in order, up to limit', () => {
    expect(list(broker, '')).toEqual([
      'a',
      'a/',
      'a/b',
      'a/b/c',
      'a/b0',
      'a/c',
      'b',
      'b/x',
      'photos/2024/1.jpg',
      'photos/2024/2.jpg',
      'photos/2025/1.jpg',
      'photos/cat.jpg',
      'z',
    ]);
    expect(list(broker, 'limit=3')).toEqual(['a', 'a/', 'a/b']);
    expect(list(broker, 'limit=0')).toEqual([]);
  });

  it('filters by prefix, marker and end_marker', () => {
    expect(list(broker, 'prefix=photos/2024')).toEqual(['photos/2024/1.jpg', 'photos/2024/2.jpg']);
    expect(list(broker, 'prefix=nothing')).toEqual([]);
    expect(list(broker, 'marker=b')).toEqual([
      'b/x',
      'photos/2024/1.jpg',
      'photos/2024/2.jpg',
      'photos/2025/1.jpg',
      'photos/cat.jpg',
      'z',
    ]);
    expect(list(broker, 'marker=a/b&end_marker=b/x')).toEqual(['a/b/c', 'a/b0', 'a/c', 'b']);
    expect(
      list(broker, 'prefix=photos/&marker=photos/2024/1.jpg&end_marker=photos/cat.jpg'),
    ).toEqual(['photos/2024/2.jpg', 'photos/2025/1.jpg']);
    expect(list(broker, 'prefix=photos/&marker=a')).toHaveLength(4);
    expect(list(broker, 'prefix=photos/&end_marker=zzz')).toHaveLength(4);
  });

  it('rolls names up at the delimiter, at the top and under a prefix (nested)', () => {
    expect(list(broker, 'delimiter=/')).toEqual(['a', 'a/', 'b', 'b/', 'photos/', 'z']);
    expect(list(broker, 'delimiter=/&prefix=photos/')).toEqual([
      'photos/2024/',
      'photos/2025/',
      'photos/cat.jpg',
    ]);
    expect(list(broker, 'delimiter=/&prefix=photos/2024/')).toEqual([
      'photos/2024/1.jpg',
      'photos/2024/2.jpg',
    ]);
    expect(list(broker, 'delimiter=/&prefix=a/')).toEqual(['a/', 'a/b', 'a/b/', 'a/b0', 'a/c']);
    expect(list(broker, 'delimiter=.')).toEqual([
      'a',
      'a/',
      'a/b',
      'a/b/c',
      'a/b0',
      'a/c',
      'b',
      'b/x',
      'photos/2024/1.',
      'photos/2024/2.',
      'photos/2025/1.',
      'photos/cat.',
      'z',
    ]);
  });

  it('pages through rolled-up names with marker = the last subdir, each once', () => {
    expect(list(broker, 'delimiter=/&limit=4')).toEqual(['a', 'a/', 'b', 'b/']);
    expect(list(broker, 'delimiter=/&limit=4&marker=b/')).toEqual(['photos/', 'z']);
    expect(list(broker, 'delimiter=/&prefix=photos/&limit=1')).toEqual(['photos/2024/']);
    expect(list(broker, 'delimiter=/&prefix=photos/&limit=1&marker=photos/2024/')).toEqual([
      'photos/2025/',
    ]);
  });

  it('lists in reverse, end_marker and marker swapping roles', () => {
    expect(list(broker, 'reverse=true&limit=3')).toEqual([
      'z',
      'photos/cat.jpg',
      'photos/2025/1.jpg',
    ]);
    expect(list(broker, 'reverse=true&marker=b')).toEqual([
      'a/c',
      'a/b0',
      'a/b/c',
      'a/b',
      'a/',
      'a',
    ]);
    expect(list(broker, 'reverse=true&marker=b&end_marker=a/b')).toEqual(['a/c', 'a/b0', 'a/b/c']);
    expect(list(broker, 'reverse=true&prefix=photos/2024/')).toEqual([
      'photos/2024/2.jpg',
      'photos/2024/1.jpg',
    ]);
    expect(list(broker, 'reverse=true&delimiter=/')).toEqual([
      'z',
      'photos/',
      'b/',
      'b',
      'a/',
      'a',
    ]);
    expect(list(broker, 'reverse=true&delimiter=/&prefix=photos/')).toEqual([
      'photos/cat.jpg',
      'photos/2025/',
      'photos/2024/',
    ]);
    expect(list(broker, 'reverse=true&delimiter=/&marker=photos/')).toEqual(['b/', 'b', 'a/', 'a']);
  });

  it('answers path queries with the names directly under the path, as Swift', () => {
    // a/b0 comes after the skipped a/b/c: Swift's own walk misses it (it resumes after "a/b0").
    expect(list(broker, 'path=a')).toEqual(['a/b', 'a/b0', 'a/c']);
    expect(list(broker, 'path=a/')).toEqual(['a/b', 'a/b0', 'a/c']);
    expect(list(broker, 'path=photos')).toEqual(['photos/cat.jpg']);
    expect(list(broker, 'path=')).toEqual(['a', 'a/', 'b', 'z']);
    put(broker, 'photos/2024/', 2);
    expect(list(broker, 'path=photos')).toEqual(['photos/2024/', 'photos/cat.jpg']);
  });

  it('orders names byte-wise as UTF-8 (not as UTF-16), in listings, markers and prefixes', () => {
    const other = ['\u00e9', '\ue000', '\uffef', '😀', '😀a', '😀/x', '\u{10ffff}', '~'];
    for (const name of other) put(broker, name);
    const all = list(broker, '');
    const expected = [...all].sort(compareNames);
    expect(all).toEqual(expected);
    // UTF-16 would put the emoji (surrogates D83D…) before U+E000; UTF-8 puts it after.
    expect(all.indexOf('\ue000')).toBeLessThan(all.indexOf('😀'));
    expect(all.slice(-7)).toEqual([
      '\u00e9',
      '\ue000',
      '\uffef',
      '😀',
      '😀/x',
      '😀a',
      '\u{10ffff}',
    ]);
    expect(list(broker, `marker=${encodeURIComponent('\uffef')}`)).toEqual([
      '😀',
      '😀/x',
      '😀a',
      '\u{10ffff}',
    ]);
    expect(list(broker, `prefix=${encodeURIComponent('😀')}`)).toEqual(['😀', '😀/x', '😀a']);
    expect(list(broker, `prefix=${encodeURIComponent('😀')}&delimiter=/`)).toEqual([
      '😀',
      '😀/',
      '😀a',
    ]);
    expect(list(broker, `end_marker=${encodeURIComponent('😀')}&marker=z`)).toEqual([
      '~',
      '\u00e9',
      '\ue000',
      '\uffef',
    ]);
  });

  it('computes the end of a prefix range past the surrogates and the last code point', () => {
    expect(prefixEnd('abc')).toBe('abd');
    expect(prefixEnd('a\ud7ff')).toBe('a\ue000');
    expect(prefixEnd('a\u{10ffff}')).toBe('b');
    expect(prefixEnd('\u{10ffff}')).toBeUndefined();
    expect(prefixEnd('😀')).toBe('😁');
  });
});

describe('a large container', () => {
  it('walks 100 000 rows by marker pages, every name exactly once, in order', () => {
    const total = 100_000;
    const alphabet = ['a', 'b', 'é', 'ß', '/', '-', '😀', '中', '\ue000'];
    const created = new Set<string>();
    const updates: ObjectUpdate[] = [];
    const timestamp = ts(10);
    for (let i = 0; created.size < total; i++) {
      // Deterministic, scattered, mixed-script names of varying length.
      let name = '';
      for (
        let n = (i * 2654435761) >>> 0, k = 0;
        k < 3 + (i % 5);
        k++, n = Math.floor(n / alphabet.length)
      )
        name += alphabet[n % alphabet.length];
      name += i.toString(36);
      if (created.has(name)) continue;
      created.add(name);
      updates.push({ name, timestamp, size: 1, contentType: 't', etag: 'e', deleted: false });
    }
    broker.mergeObjects(updates);
    // A few tombstones among them must not appear.
    const deleted = updates.filter((_, i) => i % 997 === 0).map((u) => u.name);
    broker.mergeObjects(
      deleted.map((name) => ({
        name,
        timestamp: ts(11),
        size: 0,
        contentType: 'application/deleted',
        etag: 'noetag',
        deleted: true,
      })),
    );
    for (const name of deleted) created.delete(name);
    expect(broker.info()!.objectCount).toBe(created.size);

    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const page = list(broker, `limit=7919&marker=${encodeURIComponent(marker)}`);
      if (page.length === 0) break;
      seen.push(...page);
      marker = page[page.length - 1]!;
    }
    expect(seen.length).toBe(created.size);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...created].sort(compareNames));

    const reversed: string[] = [];
    let endMarker = '';
    for (;;) {
      const page = list(broker, `reverse=1&limit=10000&marker=${encodeURIComponent(endMarker)}`);
      if (page.length === 0) break;
      reversed.push(...page);
      endMarker = page[page.length - 1]!;
    }
    expect(reversed).toEqual([...seen].reverse());
  });
});

describe('the handle cache', () => {
  it('keeps at most its capacity open, closing the least recently used', async () => {
    const small = new DatabaseHandles(2);
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) paths.push((await newContainer()).path);
    const first = small.get(paths[0]!)!;
    const second = small.get(paths[1]!)!;
    expect(small.get(paths[0]!)).toBe(first);
    small.get(paths[2]!);
    expect(small.size).toBe(2);
    expect(second.db.open).toBe(false);
    expect(first.db.open).toBe(true);
    expect(small.get(join(devicePath, 'missing.db'))).toBeUndefined();
    small.closeAll();
    expect(first.db.open).toBe(false);
  });
});
