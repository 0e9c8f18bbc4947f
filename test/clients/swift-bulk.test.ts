/**
 * python-swiftclient (`swift`) with bulk delete, quotas and account ACLs on a real cluster:
 * `swift delete` of a big container goes through ?bulk-delete because /info lists
 * bulk_delete; quotas and ACLs are set with `swift post` and read with `swift stat`/`list`.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasSwift = clientAvailable('swift', 'python3-swiftclient');

describe.skipIf(!hasSwift)('python-swiftclient with bulk, quotas and account ACLs', () => {
  let env: TestCluster;
  let work: string;
  const swift = (user: string, key: string, ...args: string[]) =>
    runClient('swift', ['-A', env.authUrl, '-U', user, '-K', key, ...args], { cwd: work });
  const tester = (...args: string[]) => swift('test:tester', 'testing', ...args);
  /** A user acting on AUTH_test through its storage URL. */
  const inTestAccount = (user: string, key: string, ...args: string[]) =>
    swift(user, key, '--os-storage-url', `${env.proxyUrl}/v1/AUTH_test`, ...args);

  beforeAll(async () => {
    env = await startCluster();
    work = await mkdtemp(join(tmpdir(), 'stratus-swift-bulk-'));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('deletes a container of many objects with bulk delete', async () => {
    await mkdir(join(work, 'many'));
    for (let i = 0; i < 40; i++) await writeFile(join(work, 'many', `file ${i}.txt`), `${i}`);
    await tester('upload', 'lots', 'many');
    expect((await tester('list', 'lots')).stdout.trim().split('\n')).toHaveLength(40);
    const deleted = await tester('delete', 'lots');
    expect(deleted.stdout).toContain('many/file 7.txt');
    await expect(tester('list', 'lots')).rejects.toThrow(/not found/i);
    const log = await readFile(env.cluster.layout.proxy.logPath, 'utf8');
    const bulkLines = log.split('\n').filter((line) => /POST \S*bulk-delete/.test(line));
    expect(bulkLines.length).toBeGreaterThan(0);
    // The objects went in bulk requests only: the client sent no DELETE for any of them.
    expect(log).not.toMatch(/ DELETE \/v1\/AUTH_test\/lots\//);
    expect(log).toMatch(/ DELETE \/v1\/AUTH_test\/lots /);
  });

  it('sets an account quota as reseller, enforced on the owner’s uploads', async () => {
    await writeFile(join(work, 'big.bin'), Buffer.alloc(5000, 1));
    await expect(tester('post', '-m', 'quota-bytes:100')).rejects.toThrow(/403 Forbidden/);
    await inTestAccount('test5:tester5', 'testing5', 'post', '-m', 'quota-bytes:1000');
    expect((await tester('stat')).stdout).toMatch(/Meta Quota-Bytes: 1000/);
    await expect(tester('upload', 'capped', 'big.bin')).rejects.toThrow(/413/);
    await expect(tester('list', 'capped')).resolves.toMatchObject({ stdout: '' });
    await inTestAccount('test5:tester5', 'testing5', 'post', '-m', 'quota-bytes:');
    await tester('upload', 'capped', 'big.bin');
    expect((await tester('list', 'capped')).stdout.trim()).toBe('big.bin');
  });

  it('sets a container quota with swift post', async () => {
    await tester('post', 'small', '-m', 'quota-bytes:1000');
    expect((await tester('stat', 'small')).stdout).toMatch(/Meta Quota-Bytes: 1000/);
    await expect(tester('upload', 'small', 'big.bin')).rejects.toThrow(/413/);
    expect((await tester('list', 'small')).stdout).toBe('');
  });

  it('shares the account read-only through an account ACL', async () => {
    await expect(inTestAccount('test2:tester2', 'testing2', 'list')).rejects.toThrow(/403/);
    await tester('post', '-H', 'X-Account-Access-Control: {"read-only": ["test2:tester2"]}');
    expect((await tester('stat')).stdout).toMatch(
      /X-Account-Access-Control: \{"read-only":\["test2:tester2"\]\}/,
    );
    const listed = await inTestAccount('test2:tester2', 'testing2', 'list');
    expect(listed.stdout.split('\n')).toEqual(expect.arrayContaining(['capped', 'small']));
    await expect(
      inTestAccount(
        'test2:tester2',
        'testing2',
        'upload',
        'capped',
        'big.bin',
        '--object-name',
        'theirs',
      ),
    ).rejects.toThrow(/403/);
    await expect(
      tester('post', '-H', 'X-Account-Access-Control: {"read-only": "x"}'),
    ).rejects.toThrow(/400/);
  });
});
