/**
 * python-swiftclient's segmented uploads against a real local cluster: `swift upload
 * --segment-size 10M --use-slo` (a Static Large Object of 103 segments, 1 GiB) and without
 * --use-slo (a Dynamic Large Object), each downloaded back with its MD5 checked, then
 * `swift delete` of each manifest, which must take its segments with it (swiftclient sends
 * `?multipart-manifest=delete` for an SLO and deletes a DLO's listed segments itself).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasSwift = clientAvailable('swift', 'python3-swiftclient');
const MiB = 1024 * 1024;

/** Writes `size` random bytes to `path` chunk by chunk; returns their MD5. */
async function randomFile(path: string, size: number): Promise<string> {
  const md5 = createHash('md5');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= 4 * MiB) {
    const chunk = randomBytes(Math.min(4 * MiB, left));
    md5.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return md5.digest('hex');
}

async function md5Of(path: string): Promise<string> {
  const md5 = createHash('md5');
  await pipeline(createReadStream(path), md5);
  return md5.digest('hex');
}

describe.skipIf(!hasSwift)('python-swiftclient segmented uploads', () => {
  let env: TestCluster;
  let work: string;
  const swift = (cwd: string, ...args: string[]) =>
    runClient('swift', ['-A', env.authUrl, '-U', 'test:tester', '-K', 'testing', ...args], {
      cwd,
      timeoutMs: 120_000,
    });
  const lines = (text: string) => text.split('\n').filter(Boolean);

  beforeAll(async () => {
    env = await startCluster();
    work = await mkdtemp(join(tmpdir(), 'stratus-swift-lo-'));
  });

  afterAll(async () => {
    await env?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('round-trips 1 GiB as a Static Large Object and deletes it with its segments', async () => {
    const size = 1024 * MiB;
    const expected = await randomFile(join(work, 'big.bin'), size);
    const upload = await swift(
      work,
      'upload',
      '--segment-size',
      '10M',
      '--use-slo',
      'movies',
      'big.bin',
    );
    expect(upload.stdout).toContain('big.bin segment 102');
    const stat = await swift(work, 'stat', 'movies', 'big.bin');
    expect(stat.stdout).toMatch(/X-Static-Large-Object: True/);
    expect(stat.stdout).toMatch(new RegExp(`Content Length: ${size}\\b`));
    expect(lines((await swift(work, 'list', 'movies_segments')).stdout)).toHaveLength(103);
    const listing = await swift(work, 'list', '--long', 'movies');
    expect(listing.stdout).toMatch(new RegExp(`\\b${size}\\b.*big\\.bin`));

    const down = join(work, 'slo-down');
    await mkdir(down);
    await swift(down, 'download', 'movies', 'big.bin');
    expect(await md5Of(join(down, 'big.bin'))).toBe(expected);
    await rm(down, { recursive: true });

    await swift(work, 'delete', 'movies', 'big.bin');
    expect(lines((await swift(work, 'list', 'movies')).stdout)).toEqual([]);
    expect(lines((await swift(work, 'list', 'movies_segments')).stdout)).toEqual([]);
    await rm(join(work, 'big.bin'));
  }, 180_000);

  it('round-trips a Dynamic Large Object and deletes it with its segments', async () => {
    const size = 120 * MiB;
    const expected = await randomFile(join(work, 'dlo.bin'), size);
    await swift(work, 'upload', '--segment-size', '10M', 'films', 'dlo.bin');
    const stat = await swift(work, 'stat', 'films', 'dlo.bin');
    expect(stat.stdout).toMatch(/Manifest: films_segments\/dlo\.bin\//);
    expect(stat.stdout).toMatch(new RegExp(`Content Length: ${size}\\b`));
    expect(lines((await swift(work, 'list', 'films_segments')).stdout)).toHaveLength(12);

    const down = join(work, 'dlo-down');
    await mkdir(down);
    await swift(down, 'download', 'films', 'dlo.bin');
    expect(await md5Of(join(down, 'dlo.bin'))).toBe(expected);

    await swift(work, 'delete', 'films', 'dlo.bin');
    expect(lines((await swift(work, 'list', 'films')).stdout)).toEqual([]);
    expect(lines((await swift(work, 'list', 'films_segments')).stdout)).toEqual([]);
  }, 120_000);
});
