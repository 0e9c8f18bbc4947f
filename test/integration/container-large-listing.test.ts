/**
 * A container server with 100 000 object rows, filled and listed over real HTTP: paging with
 * markers returns every name exactly once, in byte order, in 10 000-entry pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { http, ts } from '../helpers/http.js';
import { StorageCluster } from '../helpers/storage-cluster.js';

const TOTAL = 100_000;

describe('a 100 000-object container', () => {
  let cluster: StorageCluster;
  let base: string;

  beforeAll(async () => {
    cluster = await StorageCluster.start({ nodes: 1, replicas: 1 });
    const partition = cluster.rings.container.getPartition('AUTH_big', 'c');
    base = `/sdb1/${partition}/AUTH_big/c`;
    expect(
      (
        await http(`${cluster.url(0, 'container')}${base}`, {
          method: 'PUT',
          headers: { 'X-Timestamp': ts() },
        })
      ).status,
    ).toBe(201);
    const pool = new Pool(cluster.url(0, 'container'), { connections: 32, pipelining: 1 });
    const names = Array.from(
      { length: TOTAL },
      (_, i) => `dir${i % 10}/obj-${String(i).padStart(6, '0')}`,
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const response = await pool.request({
            method: 'PUT',
            path: `${base}/${name}`,
            headers: {
              'X-Timestamp': ts(),
              'X-Size': '7',
              'X-Content-Type': 'text/plain',
              'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
            },
          });
          await response.body.dump();
          if (response.statusCode !== 201)
            throw new Error(`row PUT ${name}: ${response.statusCode}`);
        }
      }),
    );
    await pool.close();
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('pages through every name exactly once, in order', async () => {
    const seen: string[] = [];
    let marker = '';
    let pages = 0;
    for (;;) {
      const reply = await http(
        `${cluster.url(0, 'container')}${base}?format=json&limit=10000&marker=${encodeURIComponent(marker)}`,
      );
      const page = JSON.parse(reply.text) as { name: string; bytes: number }[];
      if (page.length === 0) break;
      pages++;
      seen.push(...page.map((entry) => entry.name));
      marker = page[page.length - 1]!.name;
    }
    expect(pages).toBe(10);
    expect(seen).toHaveLength(TOTAL);
    expect(new Set(seen).size).toBe(TOTAL);
    expect([...seen].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(seen);
    const head = await http(`${cluster.url(0, 'container')}${base}`, { method: 'HEAD' });
    expect(head.headers['x-container-object-count']).toBe(String(TOTAL));
    expect(head.headers['x-container-bytes-used']).toBe(String(7 * TOTAL));
  });

  it('rolls the names up by delimiter', async () => {
    const reply = await http(`${cluster.url(0, 'container')}${base}?delimiter=/`);
    expect(reply.text).toBe(Array.from({ length: 10 }, (_, i) => `dir${i}/\n`).join(''));
    const reversed = await http(
      `${cluster.url(0, 'container')}${base}?prefix=dir3/&limit=2&reverse=true`,
    );
    expect(reversed.text).toBe('dir3/obj-099993\ndir3/obj-099983\n');
  });
});
