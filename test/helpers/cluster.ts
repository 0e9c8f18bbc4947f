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
  const dataDir = await mkdtemp(join(tmpdir(), 'stratus-proxy-'));
  // Daemons stay off unless a test turns them on, so background passes never race the test.
  const settings = { ...DAEMONS_OFF, ...options.settings };
  const cluster = await LocalCluster.start({
    nodes: 4,
    replicas: 3,
    partPower: 8,
    ...options,
    settings,
    dataDir,
  });
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

/** Logs in with TempAuth v1 and returns the token and storage URL. */
export async function login(authUrl: string, user: string, key: string): Promise<Session> {
  const reply = await http(authUrl, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  if (reply.status !== 200) throw new Error(`login as ${user} failed: ${reply.status}`);
  return { token: reply.headers['x-auth-token']!, storageUrl: reply.headers['x-storage-url']! };
}
