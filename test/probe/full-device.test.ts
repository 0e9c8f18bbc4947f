/**
 * Probe: a device fills up. One node's device is a 3 MiB tmpfs; uploads that would not fit
 * there go to other nodes (507 → handoff), every upload is acknowledged and readable, and no
 * partial file is left anywhere. Needs root to mount the tmpfs; skips with a message otherwise.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const canMount = process.getuid?.() === 0;
if (!canMount) console.warn('Skipping the full-device probe: mounting a tmpfs needs root.');

describe.skipIf(!canMount)('a full device', () => {
  let env: TestCluster;
  let session: Session;
  let mountPoint: string;

  beforeAll(async () => {
    env = await startCluster({ settings: { 'object-replicator.interval': '0' } });
    const node = env.cluster.layout.nodes[0]!;
    mountPoint = join(node.devicesRoot, node.devices[0]!);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    session = await login(env.authUrl, 'test:tester', 'testing');
    expect(
      (
        await http(`${session.storageUrl}/full`, {
          method: 'PUT',
          headers: { 'X-Auth-Token': session.token },
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await env?.cluster.stop();
    if (mountPoint) execFileSync('umount', [mountPoint]);
    await env?.stop();
  });

  it('writes elsewhere when a device is full, reads everything back, leaves no partial files', async () => {
    const written = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const body = randomBytes(200 * 1024);
      const reply = await http(`${session.storageUrl}/full/o${i}`, {
        method: 'PUT',
        body,
        headers: { 'X-Auth-Token': session.token },
      });
      expect(reply.status, `o${i}`).toBe(201);
      written.set(`o${i}`, md5(body));
    }
    const df = execFileSync('df', ['--output=avail', '-B1', mountPoint])
      .toString()
      .trim()
      .split('\n')[1];
    expect(Number(df)).toBeLessThan(400 * 1024); // the device really did fill up
    for (const [name, etag] of written) {
      const reply = await http(`${session.storageUrl}/full/${name}`, {
        headers: { 'X-Auth-Token': session.token },
      });
      expect(reply.status, name).toBe(200);
      expect(md5(reply.body), name).toBe(etag);
    }
    for (const node of env.cluster.layout.nodes) {
      expect(
        await readdir(join(node.devicesRoot, node.devices[0]!, 'tmp')).catch(() => []),
      ).toEqual([]);
    }
  }, 120_000);
});
