/**
 * A storage node is killed with SIGKILL while clients upload: uploads and downloads keep
 * succeeding (the proxy uses the other replicas and handoffs), and every object acknowledged
 * before and during the kill reads back intact, before and after the node returns.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('losing a storage node', () => {
  let env: TestCluster;
  let session: Session;
  const acknowledged = new Map<string, string>();

  const put = async (name: string) => {
    const body = randomBytes(64 * 1024 + Math.floor(Math.random() * 64 * 1024));
    const reply = await http(`${session.storageUrl}/survive/${name}`, {
      method: 'PUT',
      body,
      headers: { 'X-Auth-Token': session.token },
    });
    if (reply.status === 201) acknowledged.set(name, md5(body));
    return reply.status;
  };

  const checkAll = async () => {
    for (const [name, hash] of acknowledged) {
      const reply = await http(`${session.storageUrl}/survive/${name}`, {
        headers: { 'X-Auth-Token': session.token },
      });
      expect(reply.status, name).toBe(200);
      expect(md5(reply.body), name).toBe(hash);
    }
  };

  beforeAll(async () => {
    env = await startCluster({ settings: { 'proxy.node_timeout': '3' } });
    session = await login(env.authUrl, 'test:tester', 'testing');
    expect(
      (
        await http(`${session.storageUrl}/survive`, {
          method: 'PUT',
          headers: { 'X-Auth-Token': session.token },
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('keeps every acknowledged object through SIGKILL and restart', async () => {
    for (let i = 0; i < 20; i++) expect(await put(`before-${i}`)).toBe(201);

    // Kill node 2 while ten uploads are in flight.
    const during = Array.from({ length: 10 }, (_, i) => put(`during-${i}`));
    await env.cluster.stopNode(1, 'SIGKILL');
    const statuses = await Promise.all(during);
    expect(statuses.every((s) => s === 201)).toBe(true);

    for (let i = 0; i < 20; i++) expect(await put(`after-${i}`)).toBe(201);
    await checkAll();

    await env.cluster.startNode(1);
    await checkAll();
    expect(acknowledged.size).toBe(50);
  });
});
