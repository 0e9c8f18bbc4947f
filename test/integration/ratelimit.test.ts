/**
 * Rate limiting against a real cluster. The cluster's own proxy runs the default config
 * (limits off); a second proxy on the same rings is started with [filter:ratelimit] limits
 * low enough that a second write in a row must wait longer than max_sleep_time_seconds —
 * so the outcome (498 and nothing written) does not depend on how fast this machine is.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local-cluster/layout.js';
import {
  startProxy,
  stopProcess,
  waitHealthy,
  type ManagedProcess,
} from '../../local-cluster/processes.js';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';

let env: TestCluster;
let limited: ManagedProcess;
let limitedUrl: string;
let tester: Session;

const RATELIMIT = [
  '[filter:ratelimit]',
  // One container write per 10 s per account, one object write per 10 s in a non-empty
  // container; a wait of 2 s or more is refused.
  'account_ratelimit = 0.1',
  'container_ratelimit_1 = 0.1',
  // Listings of non-empty containers: 5 a second, so a burst waits (well under 2 s).
  'container_listing_ratelimit_1 = 5',
  'max_sleep_time_seconds = 2',
  '',
].join('\n');

/** The request through the rate-limited proxy (`via: 'main'` for the cluster's own). */
const api = (path: string, options: Parameters<typeof http>[1] = {}, via = 'limited') =>
  http(`${via === 'limited' ? limitedUrl : env.proxyUrl}/v1/AUTH_test${path}`, {
    ...options,
    headers: { 'X-Auth-Token': tester.token, ...options.headers },
  });

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  const layout = env.cluster.layout;
  const port = await freePort();
  const confPath = join(layout.dataDir, 'limited-proxy.conf');
  const conf = (await readFile(layout.proxy.confPath, 'utf8')).replace(
    /^bind_port = \d+$/m,
    `bind_port = ${port}`,
  );
  await writeFile(confPath, `${conf}\n${RATELIMIT}`);
  limitedUrl = `http://${layout.proxy.ip}:${port}`;
  limited = startProxy({
    ip: layout.proxy.ip,
    port,
    confPath,
    logPath: join(layout.dataDir, 'limited-proxy.log'),
  });
  await waitHealthy(limited, [limitedUrl]);
});

afterAll(async () => {
  if (limited) await stopProcess(limited);
  await env?.stop();
});

describe('ratelimit', () => {
  it('publishes its limits in /info', async () => {
    const info = JSON.parse((await http(`${limitedUrl}/info`)).text) as Record<string, unknown>;
    expect(info.ratelimit).toEqual({
      account_ratelimit: 0.1,
      max_sleep_time_seconds: 2,
      container_ratelimits: [[1, 0.1]],
      container_listing_ratelimits: [[1, 5]],
    });
    const defaults = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<
      string,
      unknown
    >;
    expect(defaults.ratelimit).toMatchObject({ account_ratelimit: 0, container_ratelimits: [] });
  });

  it('refuses a second container write in a row with 498 and creates nothing', async () => {
    expect((await api('/first', { method: 'PUT' })).status).toBe(201);
    const second = await api('/second', { method: 'PUT' });
    expect(second.status).toBe(498);
    expect(second.text).toBe('Slow down');
    expect((await api('/second', { method: 'HEAD' }, 'main')).status).toBe(404);
    // Object writes in an empty container and reads are not limited.
    for (let i = 0; i < 3; i++)
      expect((await api(`/first/o${i}`, { method: 'PUT', body: 'x' })).status).toBe(201);
    expect((await api('/first', { method: 'HEAD' })).status).toBe(204);
  });

  it('limits object writes per container once it holds objects', async () => {
    await api('/busy', { method: 'PUT' }, 'main');
    await api('/busy/seed', { method: 'PUT', body: 'x' }, 'main');
    expect((await api('/busy/a', { method: 'PUT', body: 'a' })).status).toBe(201);
    const again = await api('/busy/b', { method: 'PUT', body: 'b' });
    expect(again.status).toBe(498);
    expect((await api('/busy/b', { method: 'HEAD' }, 'main')).status).toBe(404);
    expect((await api('/busy/a', { method: 'DELETE' })).status).toBe(498);
    expect((await api('/busy/a', { method: 'HEAD' }, 'main')).status).toBe(200);
    // Another container has its own budget.
    await api('/calm', { method: 'PUT' }, 'main');
    await api('/calm/seed', { method: 'PUT', body: 'x' }, 'main');
    expect((await api('/calm/a', { method: 'PUT', body: 'a' })).status).toBe(201);
  });

  it('makes a burst of listings wait its turn rather than fail', async () => {
    const replies = await Promise.all(Array.from({ length: 5 }, () => api('/busy')));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
