/**
 * Storage-node benchmark (issue 3): backend PUT and GET of 4 KiB objects on one node, with
 * autocannon on loopback, against a baseline measured in the same run: a bare node:http
 * server that drains PUT bodies and answers GETs with 4 KiB from memory — the most any
 * server on this machine and Node can do.
 *
 *   npm run bench:storage-node [-- --seconds 10 --connections 16]
 */
import autocannon from 'autocannon';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPathHasher, loadRing } from '../common/cluster-config.js';
import { planLayout } from '../local-cluster/layout.js';
import {
  nodeUrls,
  startStorageNode,
  stopProcess,
  waitHealthy,
} from '../local-cluster/processes.js';
import { writeClusterFiles } from '../local-cluster/setup.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);
const BODY = Buffer.alloc(4096, 'x');

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function load(label: string, options: autocannon.Options): Promise<Figures> {
  process.stderr.write(`${label}: ${duration}s at ${connections} connections…\n`);
  const result = await autocannon({ duration, connections, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

async function baseline(): Promise<{ put: Figures; get: Figures }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'PUT') res.writeHead(201, { 'Content-Length': 0 }).end();
      else res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY);
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const put = await load('baseline PUT', { url: `${url}/x`, method: 'PUT', body: BODY });
  const get = await load('baseline GET', { url: `${url}/x` });
  server.close();
  return { put, get };
}

async function storageNode(): Promise<{ put: Figures; get: Figures }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stratus-bench-node-'));
  const layout = await planLayout({ dataDir, nodes: 1, replicas: 1, partPower: 10 });
  await writeClusterFiles(layout, { log_level: 'warn' });
  const node = layout.nodes[0]!;
  const proc = startStorageNode(node);
  try {
    await waitHealthy(proc, nodeUrls(node));
    const ring = loadRing(layout.swiftDir, 'object', await loadPathHasher(layout.swiftDir));
    const base = `http://${node.ip}:${node.ports.object}`;
    const pathOf = (i: number) =>
      `/sdb1/${ring.getPartition('AUTH_bench', 'c', `o${i}`)}/AUTH_bench/c/o${i}`;
    let written = 0;
    const put = await load('storage node PUT 4 KiB', {
      url: base,
      requests: [
        {
          method: 'PUT',
          setupRequest: (request) => {
            const i = written++;
            return {
              ...request,
              path: pathOf(i),
              headers: {
                'X-Timestamp': (Date.now() / 1000).toFixed(5),
                'Content-Type': 'application/octet-stream',
                'Content-Length': String(BODY.length),
              },
              body: BODY,
            };
          },
        },
      ],
    });
    let read = 0;
    const get = await load('storage node GET 4 KiB', {
      url: base,
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({
            ...request,
            path: pathOf(read++ % Math.max(1, written - 4 * connections)),
          }),
        },
      ],
    });
    return { put, get };
  } finally {
    await stopProcess(proc);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const bare = await baseline();
const node = await storageNode();
const ratio = (a: Figures, b: Figures) =>
  Number((a.requestsPerSecond / b.requestsPerSecond).toFixed(3));
console.log(
  JSON.stringify(
    {
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      durationSeconds: duration,
      connections,
      baseline: bare,
      storageNode: node,
      putShareOfBaseline: ratio(node.put, bare.put),
      getShareOfBaseline: ratio(node.get, bare.get),
    },
    null,
    2,
  ),
);
if (node.put.non2xx > 0 || node.get.non2xx > 0) {
  console.error('non-2xx responses during the storage-node run');
  process.exitCode = 1;
}
