/**
 * Operators' views of a running cluster: Prometheus metrics on every process, and the status
 * command's per-node report and dispersion report, before and after a node dies.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { runDaemon } from '../helpers/probe.js';

const run = promisify(execFile);
const STATUS = fileURLToPath(new URL('../../dist/ops/status.js', import.meta.url));

describe('status and metrics', () => {
  let env: TestCluster;
  const status = async () => {
    const args = [
      STATUS,
      '--swift-dir',
      env.cluster.layout.swiftDir,
      '--auth-url',
      env.authUrl,
      '--user',
      'test:tester',
      '--key',
      'testing',
      '--objects',
      '20',
    ];
    try {
      const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '' };
    }
  };

  beforeAll(async () => {
    env = await startCluster({
      settings: { 'object-replicator.interval': '0', 'proxy.node_timeout': '2' },
    });
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('serves Prometheus metrics from the proxy and the storage nodes', async () => {
    const session = await login(env.authUrl, 'test:tester', 'testing');
    await http(`${session.storageUrl}/m`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': session.token },
    });
    const proxy = await http(`${env.proxyUrl}/metrics`);
    expect(proxy.status).toBe(200);
    expect(proxy.text).toMatch(
      /stratus_requests_total\{[^}]*server="proxy-server"[^}]*method="PUT"[^}]*status="201"/,
    );
    expect(proxy.text).toContain('stratus_error_limited_nodes');
    const node = env.cluster.layout.nodes[0]!;
    const storage = await http(`http://${node.ip}:${node.ports.object}/metrics`);
    expect(storage.text).toContain('stratus_async_pendings{');
    expect(storage.text).toContain('process_resident_memory_bytes');
  });

  it('reports every node, the last replication pass and full dispersion', async () => {
    await runDaemon(env.cluster.layout, 0, 'object-replicator');
    const { code, stdout } = await status();
    expect(code).toBe(0);
    expect(stdout).toContain('Storage nodes (4):');
    expect(stdout).toMatch(/object-replicator: last pass \d+ s ago, took [\d.]+ s, 0 out of sync/);
    expect(stdout).toContain(
      'Object dispersion: 100.00% of 20 objects have all 3 replicas in place',
    );
  });

  it('shows a dead node as unreachable and the replicas it holds as missing', async () => {
    await env.cluster.stopNode(3, 'SIGKILL');
    const { code, stdout } = await status();
    expect(code).toBe(1);
    expect(stdout).toContain('UNREACHABLE');
    expect(stdout).toMatch(/Object dispersion: (?!100\.00%)[\d.]+% of 20 objects/);
    expect(stdout).toMatch(/objects with 2 of 3 replicas/);
    await env.cluster.startNode(3);
  });
});
