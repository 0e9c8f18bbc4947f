/**
 * The auditor on real devices: objects written by a real (in-process) object server, then
 * damaged on disk the way disks damage them; databases made by a real container server, then
 * overwritten with garbage. Also the rate limiter the auditor paces itself with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { setAttribute } from 'fs-xattr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auditor } from '../../../storage-node/auditor/auditor.js';
import {
  forEachConcurrently,
  RateLimiter,
  type Clock,
} from '../../../storage-node/daemons/pacing.js';
import { METADATA_XATTR } from '../../../storage-node/object/metadata.js';
import { http, ts } from '../../helpers/http.js';
import { startInProcessNodes, type InProcessNodes } from '../../helpers/in-process-nodes.js';

/** A clock that only moves when the code under test sleeps. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('RateLimiter', () => {
  it('spaces units out to the rate, the first one at once', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(5, clock);
    for (let i = 0; i < 10; i++) await limiter.wait();
    expect(clock.slept.length).toBe(9);
    expect(clock.now() - 1000).toBeCloseTo(9 * 200);
  });

  it('counts bytes as units (bytes_per_second)', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1_000_000, clock);
    for (let i = 0; i < 4; i++) await limiter.wait(500_000); // 2 MB at 1 MB/s
    expect(clock.now() - 1000).toBeCloseTo(1500); // the last chunk is read before it is paid for
  });

  it('allows no more than burstSeconds of catch-up after an idle spell, and 0 means no limit', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock, 1);
    await limiter.wait();
    await clock.sleep(60_000); // idle for a minute
    clock.slept.length = 0;
    for (let i = 0; i < 30; i++) await limiter.wait();
    // Not 600 units free after the pause: at most a second's worth, then 10 a second again.
    expect(clock.now() - 61_000).toBeGreaterThanOrEqual(2_800);
    const unlimited = new RateLimiter(0, clock);
    const before = clock.now();
    for (let i = 0; i < 100; i++) await unlimited.wait(1e9);
    expect(clock.now()).toBe(before);
  });

  it('really waits: 30 units at 100/s take about 0.3 s', async () => {
    const limiter = new RateLimiter(100);
    const started = performance.now();
    for (let i = 0; i < 31; i++) await limiter.wait();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('forEachConcurrently never runs more than `concurrency` items at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(n);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('Auditor', () => {
  let nodes: InProcessNodes;
  const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

  beforeAll(async () => {
    nodes = await startInProcessNodes(1, {
      'object-auditor.files_per_second': '0',
      'object-auditor.bytes_per_second': '0',
    });
    await nodes.startAll();
  });

  afterAll(async () => {
    await nodes?.close();
  });

  async function putObject(name: string, body: Buffer): Promise<string> {
    const ctx = nodes.contexts[0]!;
    const partition = ctx.rings.object.getPartition('AUTH_a', 'c', name);
    const url = `http://127.0.0.1:${nodes.layout.nodes[0]!.ports.object}/sdb1/${partition}/AUTH_a/c/${name}`;
    const reply = await http(url, {
      method: 'PUT',
      body,
      headers: { 'X-Timestamp': ts(), 'Content-Type': 'application/octet-stream' },
    });
    expect(reply.status).toBe(201);
    const hash = ctx.hasher.hashPath('AUTH_a', 'c', name);
    const hashDir = join(nodes.devicePath(0), 'objects', String(partition), hash.slice(-3), hash);
    const [data] = (await readdir(hashDir)).filter((f) => f.endsWith('.data'));
    return join(hashDir, data!);
  }

  it('quarantines objects whose bytes, size or metadata went bad, and leaves sound ones', async () => {
    const good = randomBytes(300_000);
    await putObject('good', good);
    const rotten = await putObject('rotten', randomBytes(200_000));
    const short = await putObject('short', randomBytes(5000));
    const renamed = await putObject('renamed', randomBytes(100));
    // Same size, different bytes: only the MD5 can tell.
    const handle = await open(rotten, 'r+');
    await handle.write(Buffer.from('garbage!'), 0, 8, 150_000);
    await handle.close();
    await truncate(short, 4000);
    // Metadata naming another object (whose hash is not this folder's).
    await setAttribute(
      renamed,
      METADATA_XATTR,
      JSON.stringify({ name: '/AUTH_a/c/other', 'Content-Length': '100', ETag: 'x' }),
    );

    const auditor = new Auditor(nodes.contexts[0]!);
    const progress: number[] = [];
    const stats = await auditor.runOnce({ onProgress: (done) => progress.push(done) });
    expect(stats).toMatchObject({ files: 4, quarantined: 3, errors: 0, failures: 0 });
    expect(stats.bytes).toBe(300_000 + 200_000);
    expect(progress.length).toBeGreaterThan(0);
    const quarantined = await readdir(join(nodes.devicePath(0), 'quarantined', 'objects'));
    expect(quarantined).toHaveLength(3);
    // The good object is untouched and still served.
    const partition = nodes.contexts[0]!.rings.object.getPartition('AUTH_a', 'c', 'good');
    const reply = await http(
      `http://127.0.0.1:${nodes.layout.nodes[0]!.ports.object}/sdb1/${partition}/AUTH_a/c/good`,
    );
    expect(md5(reply.body)).toBe(md5(good));
    // The quarantined objects' suffixes are invalidated, so replication re-hashes them.
    const rottenPartitionDir = join(rotten, '..', '..', '..');
    expect(await readFile(join(rottenPartitionDir, 'hashes.invalid'), 'utf8')).toContain(
      rotten.split('/').at(-3)!,
    );
    // A second pass finds nothing more to do.
    expect(await auditor.runOnce()).toMatchObject({ files: 1, quarantined: 0 });
  });

  it('quarantines a damaged container database and keeps sound ones', async () => {
    const port = nodes.layout.nodes[0]!.ports.container;
    const ring = nodes.contexts[0]!.rings.container;
    const put = async (container: string) => {
      const partition = ring.getPartition('AUTH_a', container);
      const reply = await http(`http://127.0.0.1:${port}/sdb1/${partition}/AUTH_a/${container}`, {
        method: 'PUT',
        headers: { 'X-Timestamp': ts() },
      });
      expect(reply.status).toBe(201);
      const hash = nodes.contexts[0]!.hasher.hashPath('AUTH_a', container);
      return join(
        nodes.devicePath(0),
        'containers',
        String(partition),
        hash.slice(-3),
        hash,
        `${hash}.db`,
      );
    };
    await put('sound');
    const damaged = await put('damaged');
    const size = (await stat(damaged)).size;
    const handle = await open(damaged, 'r+');
    await handle.write(randomBytes(size - 100), 0, size - 100, 100); // everything but the header
    await handle.close();

    const stats = await new Auditor(nodes.contexts[0]!).runOnce();
    expect(stats).toMatchObject({ databases: 2, databasesQuarantined: 1, failures: 0 });
    const quarantined = await readdir(join(nodes.devicePath(0), 'quarantined', 'containers'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]!.startsWith(damaged.split('/').at(-2)!)).toBe(true);
    await expect(stat(damaged)).rejects.toThrow();
  });

  it('reads at bytes_per_second', async () => {
    const slowNodes = await startInProcessNodes(1, {
      'object-auditor.files_per_second': '0',
      'object-auditor.bytes_per_second': '1000000',
    });
    try {
      await slowNodes.start(0, 'object');
      const ctx = slowNodes.contexts[0]!;
      const partition = ctx.rings.object.getPartition('AUTH_a', 'c', 'big');
      const url = `http://127.0.0.1:${slowNodes.layout.nodes[0]!.ports.object}/sdb1/${partition}/AUTH_a/c/big`;
      const reply = await http(url, {
        method: 'PUT',
        body: randomBytes(1_300_000),
        headers: { 'X-Timestamp': ts(), 'Content-Type': 'x/y' },
      });
      expect(reply.status).toBe(201);
      const stats = await new Auditor(ctx).runOnce();
      expect(stats).toMatchObject({ files: 1, bytes: 1_300_000, quarantined: 0 });
      // 1.3 MB at 1 MB/s: the last chunk is read before it is paid for, so about 1 s.
      expect(stats.durationSeconds).toBeGreaterThanOrEqual(0.9);
    } finally {
      await slowNodes.close();
    }
  });
});
