/**
 * python-swiftclient's `swift copy` (Debian's python3-swiftclient) against a real cluster:
 * a copy to another container verified by downloading it, metadata kept and added, and
 * `--fresh-metadata` replacing it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasSwift = clientAvailable('swift', 'python3-swiftclient');

describe.skipIf(!hasSwift)('swift copy (python-swiftclient)', () => {
  let env: TestCluster;
  let work: string;
  const swift = (...args: string[]) =>
    runClient('swift', ['-A', env.authUrl, '-U', 'test:tester', '-K', 'testing', ...args], {
      cwd: work,
    });
  /** `swift stat c o` as a map of its "Key: value" lines. */
  const stat = async (container: string, object: string) => {
    const { stdout } = await swift('stat', container, object);
    return Object.fromEntries(
      stdout
        .split('\n')
        .map((line) => /^\s*([^:]+):\s(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!.trim(), m[2]!.trim()]),
    );
  };
  const data = randomBytes(300_000);

  beforeAll(async () => {
    env = await startCluster();
    work = await mkdtemp(join(tmpdir(), 'stratus-swift-copy-'));
    await writeFile(join(work, 'o'), data);
    await swift('post', 'c2');
    await swift('upload', 'c', 'o', '-m', 'color:blue', '-H', 'Content-Type:application/x-demo');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('copies to another container: the download is byte for byte the original', async () => {
    const { stdout } = await swift('copy', '-d', '/c2/o2', 'c', 'o');
    expect(stdout).toMatch(/c\/o copied to \/c2\/o2/);
    const out = join(work, 'download');
    await mkdir(out);
    await swift('download', 'c2', 'o2', '-o', join(out, 'o2'));
    expect((await readFile(join(out, 'o2'))).equals(data)).toBe(true);
    const copied = await stat('c2', 'o2');
    expect(copied['Meta Color']).toBe('blue');
    expect(copied['Content Type']).toBe('application/x-demo');
  });

  it('adds metadata on a copy, and replaces it with --fresh-metadata', async () => {
    await swift('copy', '-d', '/c2/o3', '-m', 'size:large', 'c', 'o');
    const merged = await stat('c2', 'o3');
    expect(merged['Meta Color']).toBe('blue');
    expect(merged['Meta Size']).toBe('large');

    await swift('copy', '--fresh-metadata', '-m', 'k:v', 'c', 'o');
    const fresh = await stat('c', 'o');
    expect(fresh['Meta K']).toBe('v');
    expect(fresh['Meta Color']).toBeUndefined();
    const out = join(work, 'fresh');
    await mkdir(out);
    await swift('download', 'c', 'o', '-o', join(out, 'o'));
    expect((await readFile(join(out, 'o'))).equals(data)).toBe(true);
  });
});
