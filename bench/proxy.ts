/**
 * Proxy benchmark (issue 4): the Swift API through the proxy of a local 4-node, 3-replica
 * cluster — PUT, GET and HEAD of 4 KiB objects and PUT/GET of 1 MiB objects at 16 and 64
 * connections (autocannon), and one 64 MiB upload with the proxy's peak RSS. Figures are
 * reported next to a baseline from the same run: a bare node:http server on loopback.
 *
 *   npm run bench:proxy [-- --seconds 10]
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { request, type Dispatcher } from 'undici';
import { LocalCluster } from '../local-cluster/cluster.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const duration = Number(values.seconds);

interface Figures {
  requestsPerSecond: number;
  mbPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function load(label: string, options: autocannon.Options): Promise<Figures> {
  process.stderr.write(`${label}…\n`);
  const result = await autocannon({ duration, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    mbPerSecond: Number((result.throughput.average / 1024 / 1024).toFixed(1)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

/**
 * A closed-loop load of `connections` concurrent workers with undici, for HEAD: autocannon
 * waits for a body after a HEAD response that carries Content-Length, and stalls.
 */
async function closedLoop(
  label: string,
  connections: number,
  send: () => Promise<Dispatcher.ResponseData>,
): Promise<Figures> {
  process.stderr.write(`${label}…\n`);
  const latencies: number[] = [];
  let non2xx = 0;
  const end = Date.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) {
        const started = performance.now();
        const response = await send();
        await response.body.dump();
        latencies.push(performance.now() - started);
        if (response.statusCode >= 300) non2xx++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(
      (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1),
    );
  return {
    requestsPerSecond: Math.round(latencies.length / duration),
    mbPerSecond: 0,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    non2xx,
  };
}

function withMb(figures: Figures, size: number): Figures {
  return {
    ...figures,
    mbPerSecond: Number(((figures.requestsPerSecond * size) / 1024 / 1024).toFixed(1)),
  };
}

async function baseline(connections: number, body: Buffer): Promise<Figures> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Length': body.length }).end(body));
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const figures = await load(`baseline GET ${body.length} B ×${connections}`, {
    url: `http://127.0.0.1:${port}/x`,
    connections,
  });
  server.close();
  return figures;
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const dataDir = await mkdtemp(join(tmpdir(), 'stratus-bench-proxy-'));
const cluster = await LocalCluster.start({
  dataDir,
  nodes: 4,
  replicas: 3,
  partPower: 10,
  settings: { log_level: 'warn' },
});
const report: Record<string, unknown> = {
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  durationSeconds: duration,
};
try {
  const auth = await request(cluster.authUrl, {
    headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' },
  });
  await auth.body.dump();
  const token = String(auth.headers['x-auth-token']);
  const storage = String(auth.headers['x-storage-url']);
  const base = new URL(storage);
  const headers = { 'X-Auth-Token': token };
  await (await request(`${storage}/bench`, { method: 'PUT', headers })).body.dump();

  // First, on a fresh proxy: one 64 MiB upload; the proxy's peak RSS tells whether it buffered.
  const chunk = randomBytes(1024 * 1024);
  function* sixtyFour() {
    for (let i = 0; i < 64; i++) yield chunk;
  }
  const started = Date.now();
  const upload = await request(`${storage}/bench/big-64MiB`, {
    method: 'PUT',
    headers: { ...headers, 'Content-Length': String(64 * 1024 * 1024) },
    body: Readable.from(sixtyFour()),
  });
  await upload.body.dump();
  const seconds = (Date.now() - started) / 1000;
  report.upload64MiB = {
    status: upload.statusCode,
    seconds: Number(seconds.toFixed(2)),
    mbPerSecond: Number((64 / seconds).toFixed(1)),
    proxyPeakRssMiB: Number((await peakRss(cluster.proxyPid!)).toFixed(0)),
  };

  for (const size of [4096, 1024 * 1024]) {
    const body = randomBytes(size);
    for (const connections of [16, 64]) {
      const label = `${size === 4096 ? '4KiB' : '1MiB'}x${connections}`;
      let written = 0;
      let read = 0;
      let put: Figures;
      let get: Figures;
      if (size === 4096) {
        put = await load(`PUT ${label}`, {
          url: base.origin,
          connections,
          requests: [
            {
              method: 'PUT',
              setupRequest: (r) => ({
                ...r,
                path: `${base.pathname}/bench/${label}-${written++}`,
                headers: { ...headers, 'Content-Type': 'application/octet-stream' },
                body,
              }),
            },
          ],
        });
        const stored = Math.max(1, written - 2 * connections);
        get = await load(`GET ${label}`, {
          url: base.origin,
          connections,
          requests: [
            {
              method: 'GET',
              setupRequest: (r) => ({
                ...r,
                path: `${base.pathname}/bench/${label}-${read++ % stored}`,
                headers,
              }),
            },
          ],
        });
      } else {
        // autocannon's client tops out near 70 MB/s on large bodies here: undici measures them.
        put = withMb(
          await closedLoop(`PUT ${label}`, connections, () =>
            request(`${storage}/bench/${label}-${written++}`, {
              method: 'PUT',
              headers: { ...headers, 'Content-Type': 'application/octet-stream' },
              body,
            }),
          ),
          size,
        );
        const stored = Math.max(1, written - 2 * connections);
        get = withMb(
          await closedLoop(`GET ${label}`, connections, () =>
            request(`${storage}/bench/${label}-${read++ % stored}`, { headers }),
          ),
          size,
        );
      }
      const stored = Math.max(1, written - 2 * connections);
      const entry: Record<string, Figures> = {
        put,
        get,
        baselineGet: await baseline(connections, body),
      };
      if (size === 4096) {
        let headed = 0;
        entry.head = await closedLoop(`HEAD ${label}`, connections, () =>
          request(`${storage}/bench/${label}-${headed++ % stored}`, { method: 'HEAD', headers }),
        );
      }
      report[label] = entry;
    }
  }
} finally {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report, null, 2));
