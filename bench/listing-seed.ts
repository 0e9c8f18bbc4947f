/**
 * Fills the listing container fast, the same way for both stores: the rows an object server
 * would report after each PUT (`PUT /<dev>/<part>/<account>/<container>/<object>` with
 * X-Timestamp, X-Size, X-Content-Type, X-Etag), sent straight to each of the container's
 * replicas. Swift's container server and Stratus's speak the same backend protocol; object
 * PUTs through Swift's proxy would take a quarter of an hour for 100 000 names on this machine.
 * The listings are what is measured, and they read only these rows.
 */
import { Pool } from 'undici';
import { forEachConcurrently } from './swift-session.js';

export interface ContainerReplica {
  host: string;
  port: number;
  device: string;
  partition: number;
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

export async function seedRows(
  replicas: readonly ContainerReplica[],
  account: string,
  container: string,
  names: readonly string[],
  concurrency = 16,
): Promise<void> {
  process.stderr.write(`seeding ${names.length} listing rows on ${replicas.length} replicas …\n`);
  const base = Date.now() / 1000;
  await Promise.all(
    replicas.map(async (replica) => {
      const pool = new Pool(`http://${replica.host}:${replica.port}`, { connections: concurrency });
      try {
        await forEachConcurrently(
          names.map((name, i) => ({ name, i })),
          concurrency,
          async ({ name, i }) => {
            const path = [replica.device, replica.partition, account, container, name]
              .map((part) => encodeURIComponent(String(part)))
              .join('/');
            const reply = await pool.request({
              method: 'PUT',
              path: `/${path}`,
              headers: {
                'X-Timestamp': (base + i / 1e5).toFixed(5),
                'X-Size': '0',
                'X-Content-Type': 'application/octet-stream',
                'X-Etag': EMPTY_MD5,
                'X-Backend-Storage-Policy-Index': '0',
              },
            });
            await reply.body.dump();
            if (reply.statusCode !== 201)
              throw new Error(
                `seeding ${name} on ${replica.host}:${replica.port}: ${reply.statusCode}`,
              );
          },
        );
      } finally {
        await pool.close();
      }
    }),
  );
}
