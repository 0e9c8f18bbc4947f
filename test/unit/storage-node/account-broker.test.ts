import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseListingParams } from '../../../common/listing.js';
import { Timestamp } from '../../../common/timestamp.js';
import { AccountBroker, type ContainerReport } from '../../../storage-node/account/broker.js';
import { databasePath } from '../../../storage-node/db/files.js';
import { DatabaseHandles } from '../../../storage-node/db/handles.js';
import { visibleMetadata } from '../../../storage-node/db/metadata.js';
import { compareNames } from '../../../storage-node/db/name-listing.js';

const root = await mkdtemp(join(tmpdir(), 'stratus-account-broker-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const ts = (seconds: number) => Timestamp.fromSeconds(1_700_000_000 + seconds);
const ZERO = new Timestamp(0);
let devicePath: string;
let broker: AccountBroker;

beforeEach(async () => {
  devicePath = await mkdtemp(join(root, 'sdb1-'));
  const path = databasePath(devicePath, 'accounts', 2, '0123456789abcdef');
  expect(
    await AccountBroker.create(devicePath, path, {
      account: 'AUTH_test',
      putTimestamp: ts(0),
      metadata: {},
    }),
  ).toBe(true);
  broker = new AccountBroker(new DatabaseHandles(), path);
});

function report(
  put: number,
  del: number | undefined,
  objectCount: number,
  bytesUsed: number,
): ContainerReport {
  return {
    putTimestamp: ts(put),
    deleteTimestamp: del === undefined ? ZERO : ts(del),
    objectCount,
    bytesUsed,
  };
}

function rows(): {
  rowid: number;
  name: string;
  put_timestamp: string;
  delete_timestamp: string;
  object_count: number;
  bytes_used: number;
  deleted: number;
}[] {
  const db = new Database(broker.path, { readonly: true });
  try {
    return db.prepare('SELECT ROWID AS rowid, * FROM container ORDER BY name').all() as never;
  } finally {
    db.close();
  }
}

function list(query: string): string[] {
  return broker
    .listContainers(parseListingParams(new URLSearchParams(query)))
    .map((entry) => ('subdir' in entry ? entry.subdir : entry[0]));
}

describe('an account database', () => {
  it('is created once, in the accounts folder, with its put timestamp', async () => {
    expect(broker.path).toBe(
      join(devicePath, 'accounts', '2', 'def', '0123456789abcdef', '0123456789abcdef.db'),
    );
    expect(
      await AccountBroker.create(devicePath, broker.path, {
        account: 'AUTH_test',
        putTimestamp: ts(1),
        metadata: {},
      }),
    ).toBe(false);
    expect(await readdir(join(devicePath, 'tmp'))).toEqual([]);
    expect(broker.info()).toMatchObject({
      account: 'AUTH_test',
      containerCount: 0,
      objectCount: 0,
      bytesUsed: 0,
      status: '',
    });
    expect(broker.info()!.putTimestamp.internal).toBe(ts(0).internal);
  });
});

describe('container rows', () => {
  it('keeps the newest put and delete timestamps and the counts of the latest report', () => {
    broker.putContainer('c', report(1, undefined, 3, 30));
    broker.putContainer('c', report(1, undefined, 5, 50));
    expect(rows()).toMatchObject([
      { name: 'c', put_timestamp: ts(1).internal, object_count: 5, bytes_used: 50, deleted: 0 },
    ]);
    broker.putContainer('c', report(2, undefined, 6, 60));
    expect(rows()).toMatchObject([{ put_timestamp: ts(2).internal, object_count: 6 }]);
  });

  it('ignores the counts of a report older than the row, keeping its newer timestamps', () => {
    broker.putContainer('c', report(5, undefined, 2, 20));
    broker.putContainer('c', report(3, undefined, 9, 90));
    expect(rows()).toMatchObject([
      { put_timestamp: ts(5).internal, object_count: 2, bytes_used: 20 },
    ]);
  });

  it('deletes a row whose delete is newer than its put once empty; a late report from before cannot revive it', () => {
    broker.putContainer('c', report(1, undefined, 4, 40));
    broker.putContainer('c', report(1, 2, 0, 0));
    expect(rows()).toMatchObject([
      { put_timestamp: ts(1).internal, delete_timestamp: ts(2).internal, deleted: 1 },
    ]);
    expect(list('')).toEqual([]);
    broker.putContainer('c', report(1, undefined, 4, 40));
    expect(rows()).toMatchObject([{ deleted: 1, object_count: 0 }]);
    expect(broker.info()).toMatchObject({ containerCount: 0, objectCount: 0, bytesUsed: 0 });
    broker.putContainer('c', report(3, undefined, 0, 0));
    expect(rows()).toMatchObject([
      { put_timestamp: ts(3).internal, delete_timestamp: ts(2).internal, deleted: 0 },
    ]);
    expect(list('')).toEqual(['c']);
  });

  it('keeps container_count, object_count and bytes_used of the account exact', () => {
    broker.putContainer('a', report(1, undefined, 1, 10));
    broker.putContainer('b', report(1, undefined, 2, 20));
    broker.putContainer('c', report(1, undefined, 3, 30));
    broker.putContainer('b', report(1, undefined, 7, 70));
    broker.putContainer('c', report(1, 2, 0, 0));
    broker.putContainer('d', report(1, 2, 0, 0));
    expect(broker.info()).toMatchObject({ containerCount: 2, objectCount: 8, bytesUsed: 80 });
  });

  it('replaces rows with a new ROWID on every change, skips a report that changes nothing, and forbids UPDATE', () => {
    broker.putContainer('a', report(1, undefined, 1, 10));
    const first = rows()[0]!.rowid;
    broker.putContainer('a', report(1, undefined, 1, 10));
    expect(rows()[0]!.rowid).toBe(first);
    broker.putContainer('a', report(1, undefined, 2, 10));
    expect(rows()[0]!.rowid).toBeGreaterThan(first);
    const db = new Database(broker.path);
    expect(() => db.prepare('UPDATE container SET object_count = 0').run()).toThrow(
      /UPDATE not allowed/,
    );
    db.close();
  });
});

describe('the account', () => {
  it('is marked deleted by a DELETE, with its metadata cleared', () => {
    broker.updateMetadata({ 'X-Account-Meta-Owner': ['me', ts(1).internal] });
    expect(visibleMetadata(broker.info()!.metadata)).toEqual({ 'X-Account-Meta-Owner': 'me' });
    broker.putContainer('c', report(1, undefined, 1, 1));
    broker.recordDelete(ts(2));
    const info = broker.info()!;
    expect(info.status).toBe('DELETED');
    expect(broker.isDeleted(info)).toBe(true);
    expect(broker.isStatusDeleted(info)).toBe(true);
    expect(visibleMetadata(info.metadata)).toEqual({});
  });

  it('counts as deleted without a DELETE when it has no containers and a newer delete timestamp (replicated)', () => {
    const info = { ...broker.info()!, deleteTimestamp: ts(5) };
    expect(broker.isDeleted(info)).toBe(true);
    expect(broker.isDeleted({ ...info, containerCount: 1 })).toBe(false);
    expect(broker.isDeleted(broker.info()!)).toBe(false);
  });

  it('takes a newer PUT, keeps the newest put timestamp and merges metadata', () => {
    expect(broker.recordPut(ts(3), { 'X-Account-Meta-A': ['1', ts(3).internal] })).toBe('updated');
    expect(broker.recordPut(ts(2), { 'X-Account-Meta-A': ['old', ts(2).internal] })).toBe(
      'updated',
    );
    const info = broker.info()!;
    expect(info.putTimestamp.internal).toBe(ts(3).internal);
    expect(visibleMetadata(info.metadata)).toEqual({ 'X-Account-Meta-A': '1' });
  });
});

describe('account listings', () => {
  beforeEach(() => {
    for (const name of ['alpha', 'beta', 'logs-2024', 'logs-2025', 'logs-old-1', 'zeta', 'é', '😀'])
      broker.putContainer(name, report(1, undefined, 1, 2));
    broker.putContainer('gone', report(1, 2, 0, 0));
  });

  it('lists live containers in UTF-8 byte order', () => {
    const all = list('');
    expect(all).toEqual([
      'alpha',
      'beta',
      'logs-2024',
      'logs-2025',
      'logs-old-1',
      'zeta',
      'é',
      '😀',
    ]);
    expect(all).toEqual([...all].sort(compareNames));
  });

  it('applies prefix, marker, end_marker, limit, reverse and delimiter', () => {
    expect(list('prefix=logs-')).toEqual(['logs-2024', 'logs-2025', 'logs-old-1']);
    expect(list('marker=beta&limit=2')).toEqual(['logs-2024', 'logs-2025']);
    expect(list('marker=beta&end_marker=logs-old')).toEqual(['logs-2024', 'logs-2025']);
    expect(list('reverse=yes&limit=3')).toEqual(['😀', 'é', 'zeta']);
    expect(list('reverse=yes&marker=logs-2024')).toEqual(['beta', 'alpha']);
    expect(list('delimiter=-')).toEqual(['alpha', 'beta', 'logs-', 'zeta', 'é', '😀']);
    expect(list('delimiter=-&prefix=logs-')).toEqual(['logs-2024', 'logs-2025', 'logs-old-']);
    expect(list('delimiter=-&marker=logs-')).toEqual(['zeta', 'é', '😀']);
    expect(list('reverse=on&delimiter=-')).toEqual(['😀', 'é', 'zeta', 'logs-', 'beta', 'alpha']);
  });

  it('walks many containers by marker pages, each exactly once', () => {
    const many = Array.from(
      { length: 2500 },
      (_, i) => `c${(i * 7919) % 2500}-${'é'.repeat(i % 3)}`,
    );
    for (const name of many) broker.putContainer(name, report(1, undefined, 0, 0));
    const expected = list('limit=10000');
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const page = list(`limit=333&marker=${encodeURIComponent(marker)}`);
      if (page.length === 0) break;
      seen.push(...page);
      marker = page[page.length - 1]!;
    }
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(2508);
  });
});
