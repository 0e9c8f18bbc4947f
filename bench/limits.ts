/**
 * The machine's physical limits, measured in the same run as the scenarios so every figure can
 * be read as a fraction of what the hardware allows:
 *
 * - MD5 of one core (every object byte is hashed by each storage node that keeps it);
 * - sequential write bandwidth ending in fsync, on the filesystem the devices live on
 *   (a PUT of N replicas on one disk cannot beat this / N);
 * - 4 KiB files written and fsynced per second, 16 at a time (the small-PUT ceiling of one disk);
 * - a bare Node HTTP server's requests/s on loopback, answering 4 KiB from memory, in a process
 *   of its own, driven by the same autocannon client as the scenarios.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAutocannon } from './load/autocannon-load.js';
import { round } from './load/measurement.js';

export interface Limits {
  md5MiBPerSecond: number;
  fsyncedWriteMiBPerSecond: number;
  fsyncedSmallFilesPerSecond: number;
  bareHttp: Record<string, { requestsPerSecond: number; p99Ms: number }>;
}

export async function measureLimits(options: {
  dir: string;
  seconds: number;
  connections: readonly number[];
  writeMiB?: number;
}): Promise<Limits> {
  process.stderr.write('physical limits: MD5, fsynced writes, bare HTTP …\n');
  const scratch = await mkdtemp(join(options.dir, 'limits-'));
  try {
    const bareHttp: Limits['bareHttp'] = {};
    for (const c of options.connections) bareHttp[`c${c}`] = await bareServer(c, options.seconds);
    return {
      md5MiBPerSecond: md5Rate(),
      fsyncedWriteMiBPerSecond: await sequentialWrite(scratch, options.writeMiB ?? 512),
      fsyncedSmallFilesPerSecond: await smallFiles(scratch, Math.min(3, options.seconds)),
      bareHttp,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function md5Rate(): number {
  const chunk = randomBytes(1024 * 1024);
  const hash = createHash('md5');
  const started = performance.now();
  for (let i = 0; i < 256; i++) hash.update(chunk);
  hash.digest();
  return round(256 / ((performance.now() - started) / 1000), 0);
}

async function sequentialWrite(dir: string, mib: number): Promise<number> {
  const chunk = randomBytes(1024 * 1024);
  const path = join(dir, 'sequential');
  const started = performance.now();
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) await file.write(chunk);
    await file.sync();
  } finally {
    await file.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(path);
  return round(mib / seconds, 0);
}

async function smallFiles(dir: string, seconds: number): Promise<number> {
  const body = randomBytes(4096);
  const end = Date.now() + seconds * 1000;
  let written = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async (_, worker) => {
      for (let i = 0; Date.now() < end; i++) {
        const file = await open(join(dir, `small-${worker}-${i}`), 'w');
        await file.write(body);
        await file.sync();
        await file.close();
        written++;
      }
    }),
  );
  return round(written / ((performance.now() - started) / 1000), 0);
}

const BARE_SERVER = join(fileURLToPath(new URL('.', import.meta.url)), 'bare-server.js');

/** Starts bare-server.js in its own process and loads it like a 4 KiB GET scenario. */
async function bareServer(
  connections: number,
  seconds: number,
): Promise<{ requestsPerSecond: number; p99Ms: number }> {
  const child = spawn(process.execPath, [BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
      child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    });
    const figures = await runAutocannon({
      origin: `http://127.0.0.1:${port}`,
      connections,
      seconds,
      next: () => ({ method: 'GET', path: '/bench/object', headers: {} }),
    });
    return { requestsPerSecond: figures.requestsPerSecond, p99Ms: figures.latencyMs.p99 };
  } finally {
    child.kill('SIGTERM');
  }
}
