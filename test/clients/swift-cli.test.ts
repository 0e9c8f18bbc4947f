/**
 * python-swiftclient (Debian's python3-swiftclient), the reference Swift client, against a
 * real local cluster: stat, upload, download, list with prefix/delimiter, post, delete, and a
 * 200 MiB round trip checked by MD5.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasSwift = clientAvailable('swift', 'python3-swiftclient');

describe.skipIf(!hasSwift)('python-swiftclient (swift CLI)', () => {
  let env: TestCluster;
  let work: string;
  const swift = (...args: string[]) =>
    runClient('swift', ['-A', env.authUrl, '-U', 'test:tester', '-K', 'testing', ...args], {
      cwd: work,
      timeoutMs: 240_000,
    });

  beforeAll(async () => {
    env = await startCluster();
    work = await mkdtemp(join(tmpdir(), 'stratus-swift-cli-'));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('shows the account with stat', async () => {
    const { stdout } = await swift('stat');
    expect(stdout).toMatch(/Account: AUTH_test/);
    expect(stdout).toMatch(/Containers: 0/);
  });

  it('uploads, lists with prefix and delimiter, and downloads', async () => {
    await mkdir(join(work, 'site', 'img'), { recursive: true });
    await writeFile(join(work, 'site', 'index.html'), '<h1>hi</h1>');
    await writeFile(join(work, 'site', 'img', 'a.png'), randomBytes(1000));
    await writeFile(join(work, 'site', 'img', 'b.png'), randomBytes(2000));
    const upload = await swift('upload', 'web', 'site');
    expect(upload.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'site/img/a.png',
      'site/img/b.png',
      'site/index.html',
    ]);
    expect((await swift('list')).stdout.trim()).toBe('web');
    expect((await swift('list', 'web', '--prefix', 'site/img/')).stdout.trim().split('\n')).toEqual(
      ['site/img/a.png', 'site/img/b.png'],
    );
    expect((await swift('list', 'web', '--delimiter', '/')).stdout.trim()).toBe('site/');
    expect(
      (await swift('list', 'web', '--prefix', 'site/', '--delimiter', '/')).stdout
        .trim()
        .split('\n'),
    ).toEqual(['site/img/', 'site/index.html']);
    const out = join(work, 'out');
    await mkdir(out);
    await runClient(
      'swift',
      [
        '-A',
        env.authUrl,
        '-U',
        'test:tester',
        '-K',
        'testing',
        'download',
        'web',
        '--prefix',
        'site/img/',
      ],
      { cwd: out },
    );
    expect(await readFile(join(out, 'site', 'img', 'b.png'))).toEqual(
      await readFile(join(work, 'site', 'img', 'b.png')),
    );
    const stat = await swift('stat', 'web', 'site/index.html');
    expect(stat.stdout).toMatch(/Content Type: text\/html/);
    expect(stat.stdout).toMatch(/Content Length: 11/);
  });

  it('sets metadata with post -m and deletes', async () => {
    await swift('post', '-m', 'color:blue', 'web', 'site/index.html');
    expect((await swift('stat', 'web', 'site/index.html')).stdout).toMatch(/Meta Color: blue/);
    await swift('post', '-m', 'owner:ops', 'web');
    expect((await swift('stat', 'web')).stdout).toMatch(/Meta Owner: ops/);
    await swift('delete', 'web', 'site/index.html');
    expect((await swift('list', 'web')).stdout).not.toContain('site/index.html');
    await swift('delete', 'web');
    expect((await swift('list')).stdout.trim()).toBe('');
  });

  it('round-trips 200 MiB with the MD5 intact', async () => {
    const big = join(work, 'big.bin');
    const md5In = createHash('md5');
    const out = createWriteStream(big);
    for (let i = 0; i < 200; i++) {
      const chunk = randomBytes(1024 * 1024);
      md5In.update(chunk);
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    const expected = md5In.digest('hex');
    await swift('upload', 'bulk', 'big.bin');
    const stat = await swift('stat', 'bulk', 'big.bin');
    expect(stat.stdout).toContain(`ETag: ${expected}`);
    const down = join(work, 'down');
    await mkdir(down);
    await runClient(
      'swift',
      ['-A', env.authUrl, '-U', 'test:tester', '-K', 'testing', 'download', 'bulk', 'big.bin'],
      { cwd: down, timeoutMs: 240_000 },
    );
    const md5Out = createHash('md5');
    await pipeline(createReadStream(join(down, 'big.bin')), md5Out);
    expect(md5Out.digest('hex')).toBe(expected);
  }, 300_000);
});
