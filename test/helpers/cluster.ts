/**
 * A whole cluster (storage nodes + proxy) for integration tests, started by the same code as
 * `npm start` (local-cluster/), on free loopback ports, plus TempAuth helpers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, type LocalClusterOptions } from '../../local-cluster/cluster.js';
import type { IdentityAdmin } from '../../local-cluster/identity.js';
import { http } from './http.js';
import { DAEMONS_OFF } from './probe-disk.js';

export interface TestCluster {
  cluster: LocalCluster;
  proxyUrl: string;
  authUrl: string;
  /** With `identity: true`: the identity service's root URL, its v3 URL and demo admin. */
  identityUrl?: string;
  identityAuthUrl?: string;
  identityAdmin?: IdentityAdmin;
  stop(): Promise<void>;
}

export async function startCluster(
  options: Omit<LocalClusterOptions, 'dataDir'> = {},
): Promise<TestCluster> {
  // Daemons stay off unless a test turns them on, so background passes never race the test.
  const settings = { ...DAEMONS_OFF, ...options.settings };
  let dataDir = '';
  let cluster: LocalCluster | undefined;
  // Free ports are picked before the processes bind them; another test running meanwhile may
  // take one first. Such a start is thrown away and tried again on other ports.
  for (let attempt = 1; !cluster; attempt++) {
    dataDir = await mkdtemp(join(tmpdir(), 'stratus-proxy-'));
    try {
      cluster = await LocalCluster.start({
        nodes: 4,
        replicas: 3,
        partPower: 8,
        ...options,
        settings,
        dataDir,
      });
    } catch (err) {
      await rm(dataDir, { recursive: true, force: true });
      if (attempt >= 3 || !String(err).includes('EADDRINUSE')) throw err;
    }
  }
  return {
    cluster,
    proxyUrl: cluster.proxyUrl,
    authUrl: cluster.authUrl,
    identityUrl: cluster.identityUrl,
    identityAuthUrl: cluster.identityAuthUrl,
    identityAdmin: cluster.identityAdmin,
    async stop() {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  token: string;
  storageUrl: string;
}

/** A request under the session's storage URL (`/container/object`), carrying its token. */
export function storageRequest(
  session: Session,
  path: string,
  options: Parameters<typeof http>[1] = {},
): ReturnType<typeof http> {
  return http(`${session.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });
}

/** Logs in with TempAuth v1 and returns the token and storage URL. */
export async function login(authUrl: string, user: string, key: string): Promise<Session> {
  const reply = await http(authUrl, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  if (reply.status !== 200) throw new Error(`login as ${user} failed: ${reply.status}`);
  return { token: reply.headers['x-auth-token']!, storageUrl: reply.headers['x-storage-url']! };
}
