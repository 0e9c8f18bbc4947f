/**
 * The container and account servers over real HTTP, on real SQLite files, in three real
 * storage-node processes: containers report to the account servers of every node, object rows
 * show in listings, and failed account updates become async pendings.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timestamp } from '../../common/timestamp.js';
import { freePort } from '../../local-cluster/layout.js';
import { listAsyncPendings } from '../../storage-node/async-pending.js';
import { http, ts } from '../helpers/http.js';
import { StorageCluster } from '../helpers/storage-cluster.js';

let cluster: StorageCluster;
let counter = 0;

beforeAll(async () => {
  cluster = await StorageCluster.start({ nodes: 3 });
});

afterAll(async () => {
  await cluster?.stop();
});

/** A fresh account: its backend URL on each node and the X-Account-* headers naming all three. */
function account(name = `AUTH_t${++counter}`) {
  const partition = cluster.rings.account.getPartition(name);
  const nodes = [0, 1, 2];
  return {
    name,
    partition,
    url: (node: number) =>
      `${cluster.url(node, 'account')}/sdb1/${partition}/${encodeURIComponent(name)}`,
    updateHeaders: {
      'X-Account-Host': nodes
        .map((n) => `${cluster.node(n).ip}:${cluster.node(n).ports.account}`)
        .join(','),
      'X-Account-Device': nodes.map(() => 'sdb1').join(','),
      'X-Account-Partition': String(partition),
    },
  };
}

function container(accountName: string, name: string, node = 0) {
  const partition = cluster.rings.container.getPartition(accountName, name);
  const url = `${cluster.url(node, 'container')}/sdb1/${partition}/${encodeURIComponent(accountName)}/${encodeURIComponent(name)}`;
  return {
    partition,
    url,
    object: (object: string) => `${url}/${object.split('/').map(encodeURIComponent).join('/')}`,
  };
}

async function createAccount(acct: ReturnType<typeof account>, stamp = ts()) {
  for (const node of [0, 1, 2]) {
    expect(
      (await http(acct.url(node), { method: 'PUT', headers: { 'X-Timestamp': stamp } })).status,
    ).toBe(201);
  }
}

async function putRow(
  url: string,
  stamp: string,
  size: number,
  etag = 'd41d8cd98f00b204e9800998ecf8427e',
  type = 'text/plain',
) {
  return http(url, {
    method: 'PUT',
    headers: {
      'X-Timestamp': stamp,
      'X-Size': String(size),
      'X-Content-Type': type,
      'X-Etag': etag,
    },
  });
}

async function jsonListing<T>(url: string, query = ''): Promise<T[]> {
  const reply = await http(`${url}?format=json${query}`);
  expect(reply.status).toBe(200);
  return JSON.parse(reply.text) as T[];
}

/** A request with the path sent exactly as written (fetch and undici would normalise `..`). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('accounts', () => {
  it('creates an account (201, then 202) and reports it empty', async () => {
    const acct = account();
    const stamp = ts();
    await createAccount(acct, stamp);
    expect(
      (await http(acct.url(0), { method: 'PUT', headers: { 'X-Timestamp': ts() } })).status,
    ).toBe(202);
    const head = await http(acct.url(0), { method: 'HEAD' });
    expect(head.status).toBe(204);
    expect(head.headers).toMatchObject({
      'x-account-container-count': '0',
      'x-account-object-count': '0',
      'x-account-bytes-used': '0',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(head.headers['x-timestamp']).toMatch(/^\d{10}\.\d{5}$/);
    const empty = await http(acct.url(0));
    expect(empty.status).toBe(204);
    expect(empty.body.length).toBe(0);
    expect((await http(`${acct.url(0)}?format=json`)).text).toBe('[]');
  });

  it('keeps account metadata, merged by POST', async () => {
    const acct = account();
    await http(acct.url(0), {
      method: 'PUT',
      headers: { 'X-Timestamp': ts(), 'X-Account-Meta-Owner': 'ann', 'X-Account-Meta-Temp': 'x' },
    });
    expect(
      (
        await http(acct.url(0), {
          method: 'POST',
          headers: {
            'X-Timestamp': ts(1),
            'X-Account-Meta-Temp': '',
            'X-Account-Meta-Team': 'ops',
          },
        })
      ).status,
    ).toBe(204);
    const head = await http(acct.url(0), { method: 'HEAD' });
    expect(head.headers['x-account-meta-owner']).toBe('ann');
    expect(head.headers['x-account-meta-team']).toBe('ops');
    expect(head.headers['x-account-meta-temp']).toBeUndefined();
    const tooLong = await http(acct.url(0), {
      method: 'POST',
      headers: { 'X-Timestamp': ts(2), 'X-Account-Meta-Big': 'v'.repeat(257) },
    });
    expect(tooLong.status).toBe(400);
  });

  it('deletes an account: 204 with X-Account-Status, then 404, and a PUT is refused', async () => {
    const acct = account();
    await createAccount(acct);
    const deleted = await http(acct.url(0), {
      method: 'DELETE',
      headers: { 'X-Timestamp': ts(1) },
    });
    expect(deleted.status).toBe(204);
    expect(deleted.headers['x-account-status']).toBe('Deleted');
    const head = await http(acct.url(0), { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(head.headers['x-account-status']).toBe('Deleted');
    expect(
      (await http(acct.url(0), { method: 'DELETE', headers: { 'X-Timestamp': ts(2) } })).status,
    ).toBe(404);
    const again = await http(acct.url(0), { method: 'PUT', headers: { 'X-Timestamp': ts(3) } });
    expect(again.status).toBe(403);
    expect(again.text).toContain('Forbidden');
    expect((await http(account().url(0), { method: 'HEAD' })).status).toBe(404);
  });

  it('takes container rows directly: 201 live, 204 deleted, 404 without the account', async () => {
    const acct = account();
    await createAccount(acct);
    const row = (name: string, put: string, del: string, count: number, bytes: number) =>
      http(`${acct.url(1)}/${name}`, {
        method: 'PUT',
        headers: {
          'X-Put-Timestamp': put,
          'X-Delete-Timestamp': del,
          'X-Object-Count': String(count),
          'X-Bytes-Used': String(bytes),
        },
      });
    expect((await row('c1', '1700000001.00000', '0', 3, 300)).status).toBe(201);
    expect((await row('c2', '1700000001.00000', '0', 1, 5)).status).toBe(201);
    expect((await row('c2', '1700000001.00000', '1700000002.00000', 0, 0)).status).toBe(204);
    const listing = await jsonListing<Record<string, unknown>>(acct.url(1));
    expect(listing).toEqual([
      { name: 'c1', count: 3, bytes: 300, last_modified: '2023-11-14T22:13:21.000000' },
    ]);
    const head = await http(acct.url(1), { method: 'HEAD' });
    expect(head.headers).toMatchObject({
      'x-account-container-count': '1',
      'x-account-object-count': '3',
      'x-account-bytes-used': '300',
    });
    expect(
      (
        await http(`${account().url(1)}/c`, {
          method: 'PUT',
          headers: {
            'X-Put-Timestamp': ts(),
            'X-Delete-Timestamp': '0',
            'X-Object-Count': '0',
            'X-Bytes-Used': '0',
          },
        })
      ).status,
    ).toBe(404);
    expect((await row('c3', 'garbage', '0', 0, 0)).status).toBe(400);
  });
});

describe('containers', () => {
  it('creates a container, tells every account server, and lists object rows with counts', async () => {
    const acct = account();
    await createAccount(acct);
    const c = container(acct.name, 'photos');
    const putStamp = ts();
    const created = await http(c.url, {
      method: 'PUT',
      headers: {
        'X-Timestamp': putStamp,
        'X-Container-Meta-Color': 'blue',
        'X-Container-Read': '.r:*',
        ...acct.updateHeaders,
      },
    });
    expect(created.status).toBe(201);
    const secondStamp = ts(1);
    expect(
      (
        await http(c.url, {
          method: 'PUT',
          headers: { 'X-Timestamp': secondStamp, ...acct.updateHeaders },
        })
      ).status,
    ).toBe(202);

    for (const node of [0, 1, 2]) {
      const listing = await jsonListing<{
        name: string;
        count: number;
        bytes: number;
        last_modified: string;
      }>(acct.url(node));
      expect(listing).toEqual([
        {
          name: 'photos',
          count: 0,
          bytes: 0,
          last_modified: Timestamp.parse(secondStamp).isoformat,
        },
      ]);
      expect(
        (await http(acct.url(node), { method: 'HEAD' })).headers['x-account-container-count'],
      ).toBe('1');
    }

    expect(
      (await putRow(c.object('cat.jpg'), '1700000000.12345', 1000, 'aaa', 'image/jpeg')).status,
    ).toBe(201);
    expect(
      (await putRow(c.object('dogs/rex.jpg'), '1700000000.22345', 20, 'bbb', 'image/jpeg')).status,
    ).toBe(201);
    expect(
      (await putRow(c.object('dogs/fido.jpg'), '1700000000.32345', 300, 'ccc', 'image/jpeg'))
        .status,
    ).toBe(201);

    const objects = await jsonListing<Record<string, unknown>>(c.url);
    expect(objects).toEqual([
      {
        hash: 'aaa',
        last_modified: '2023-11-14T22:13:20.123450',
        bytes: 1000,
        name: 'cat.jpg',
        content_type: 'image/jpeg',
      },
      {
        hash: 'ccc',
        last_modified: '2023-11-14T22:13:20.323450',
        bytes: 300,
        name: 'dogs/fido.jpg',
        content_type: 'image/jpeg',
      },
      {
        hash: 'bbb',
        last_modified: '2023-11-14T22:13:20.223450',
        bytes: 20,
        name: 'dogs/rex.jpg',
        content_type: 'image/jpeg',
      },
    ]);
    const head = await http(c.url, { method: 'HEAD' });
    expect(head.status).toBe(204);
    expect(head.headers).toMatchObject({
      'x-container-object-count': '3',
      'x-container-bytes-used': '1320',
      'x-container-meta-color': 'blue',
      'x-container-read': '.r:*',
      'x-put-timestamp': Timestamp.parse(secondStamp).normal,
      'content-length': '0',
    });
    expect(head.headers['x-backend-put-timestamp']).toBe(Timestamp.parse(secondStamp).internal);

    expect(
      (
        await http(c.object('dogs/rex.jpg'), {
          method: 'DELETE',
          headers: { 'X-Timestamp': '1700000001.00000' },
        })
      ).status,
    ).toBe(204);
    expect((await jsonListing<{ name: string }>(c.url)).map((o) => o.name)).toEqual([
      'cat.jpg',
      'dogs/fido.jpg',
    ]);
    expect((await http(c.url, { method: 'HEAD' })).headers).toMatchObject({
      'x-container-object-count': '2',
      'x-container-bytes-used': '1300',
    });

    const subdirs = await jsonListing<Record<string, unknown>>(c.url, '&delimiter=/');
    expect(subdirs).toEqual([expect.objectContaining({ name: 'cat.jpg' }), { subdir: 'dogs/' }]);
    expect((await http(`${c.url}?prefix=dogs/&reverse=true`)).text).toBe('dogs/fido.jpg\n');
  });

  it('serves plain, JSON and XML by format= and Accept, and 204 for an empty plain listing', async () => {
    const acct = account();
    await createAccount(acct);
    const c = container(acct.name, 'fmt & <co>');
    expect((await http(c.url, { method: 'PUT', headers: { 'X-Timestamp': ts() } })).status).toBe(
      201,
    );

    const emptyPlain = await http(c.url);
    expect(emptyPlain.status).toBe(204);
    expect(emptyPlain.body.length).toBe(0);
    expect(emptyPlain.headers['content-type']).toBe('text/plain; charset=utf-8');
    const emptyJson = await http(c.url, { headers: { Accept: 'application/json' } });
    expect([emptyJson.status, emptyJson.text, emptyJson.headers['content-type']]).toEqual([
      200,
      '[]',
      'application/json; charset=utf-8',
    ]);
    expect((await http(`${c.url}?format=xml`)).text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="fmt &amp; &lt;co&gt;" />',
    );

    await putRow(
      c.object('a&b "é"'),
      '1389727543.65372',
      14,
      '451e372e48e0f6b1114fa0724aa79fa1',
      'application/octet-stream',
    );
    const xml = await http(c.url, { headers: { Accept: 'text/xml' } });
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="fmt &amp; &lt;co&gt;"><object><name>a&amp;b "é"</name>' +
        '<hash>451e372e48e0f6b1114fa0724aa79fa1</hash><bytes>14</bytes><content_type>application/octet-stream</content_type>' +
        '<last_modified>2014-01-14T19:25:43.653720</last_modified></object></container>',
    );
    const json = await http(`${c.url}?format=json`, { headers: { Accept: 'application/xml' } });
    expect(json.text).toBe(
      '[{"hash": "451e372e48e0f6b1114fa0724aa79fa1", "last_modified": "2014-01-14T19:25:43.653720", "bytes": 14, ' +
        '"name": "a&b \\"\\u00e9\\"", "content_type": "application/octet-stream"}]',
    );
    const plain = await http(c.url, { headers: { Accept: '*/*' } });
    expect([plain.status, plain.text]).toEqual([200, 'a&b "é"\n']);

    expect((await http(c.url, { headers: { Accept: 'image/png' } })).status).toBe(406);
    const tooMany = await http(`${c.url}?limit=10001`);
    expect([tooMany.status, tooMany.text]).toEqual([412, 'Maximum limit is 10000']);
    const badDelimiter = await http(`${c.url}?delimiter=ab`);
    expect([badDelimiter.status, badDelimiter.text]).toEqual([412, 'Bad delimiter']);

    const accountXml = await http(`${acct.url(0)}?format=xml`);
    expect(accountXml.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<account name="${acct.name}">\n</account>`,
    );
  });

  it('refuses to delete a container that still has objects (409), deletes it empty (204), then 404', async () => {
    const acct = account();
    await createAccount(acct);
    const c = container(acct.name, 'doomed');
    await http(c.url, { method: 'PUT', headers: { 'X-Timestamp': ts(), ...acct.updateHeaders } });
    await putRow(c.object('o'), ts(), 1);
    const refused = await http(c.url, {
      method: 'DELETE',
      headers: { 'X-Timestamp': ts(1), ...acct.updateHeaders },
    });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('There was a conflict when trying to complete your request.');

    await http(c.object('o'), { method: 'DELETE', headers: { 'X-Timestamp': ts(2) } });
    const deleteStamp = ts(3);
    expect(
      (
        await http(c.url, {
          method: 'DELETE',
          headers: { 'X-Timestamp': deleteStamp, ...acct.updateHeaders },
        })
      ).status,
    ).toBe(204);
    const gone = await http(c.url);
    expect(gone.status).toBe(404);
    expect(gone.headers['x-backend-delete-timestamp']).toBe(Timestamp.parse(deleteStamp).internal);
    expect(gone.headers['x-container-object-count']).toBeUndefined();
    expect(
      (await http(c.url, { method: 'DELETE', headers: { 'X-Timestamp': ts(4) } })).status,
    ).toBe(404);
    expect((await http(c.url, { method: 'POST', headers: { 'X-Timestamp': ts(4) } })).status).toBe(
      404,
    );

    for (const node of [0, 1, 2]) {
      expect((await http(acct.url(node))).status).toBe(204);
      expect(
        (await http(acct.url(node), { method: 'HEAD' })).headers['x-account-container-count'],
      ).toBe('0');
    }
  });

  it('applies the newest timestamp: stale PUTs and DELETEs conflict, stale object rows change nothing', async () => {
    const acct = account();
    await createAccount(acct);
    const c = container(acct.name, 'stale');
    await http(c.url, { method: 'PUT', headers: { 'X-Timestamp': '1700000010.00000' } });
    const oldDelete = await http(c.url, {
      method: 'DELETE',
      headers: { 'X-Timestamp': '1700000005.00000' },
    });
    expect(oldDelete.status).toBe(409);
    expect(
      (await http(c.url, { method: 'DELETE', headers: { 'X-Timestamp': '1700000020.00000' } }))
        .status,
    ).toBe(204);
    const oldPut = await http(c.url, {
      method: 'PUT',
      headers: { 'X-Timestamp': '1700000015.00000' },
    });
    expect(oldPut.status).toBe(409);
    expect(oldPut.headers['x-backend-delete-timestamp']).toBe('1700000020.00000');
    expect(oldPut.headers['x-backend-timestamp']).toMatch(/^\d{10}\.\d{5}/);
    expect(
      (await http(c.url, { method: 'PUT', headers: { 'X-Timestamp': '1700000030.00000' } })).status,
    ).toBe(201);

    expect((await putRow(c.object('o'), '1700000040.00000', 10, 'new')).status).toBe(201);
    expect((await putRow(c.object('o'), '1700000035.00000', 99, 'old')).status).toBe(201);
    expect(
      (
        await http(c.object('o'), {
          method: 'DELETE',
          headers: { 'X-Timestamp': '1700000036.00000' },
        })
      ).status,
    ).toBe(204);
    expect(await jsonListing(c.url)).toEqual([
      expect.objectContaining({ name: 'o', bytes: 10, hash: 'new' }),
    ]);
  });

  it('merges container metadata on POST and enforces its limits', async () => {
    const acct = account();
    await createAccount(acct);
    const c = container(acct.name, 'meta');
    await http(c.url, {
      method: 'PUT',
      headers: { 'X-Timestamp': ts(), 'X-Container-Meta-A': '1', 'X-Container-Meta-B': '2' },
    });
    expect(
      (
        await http(c.url, {
          method: 'POST',
          headers: { 'X-Timestamp': ts(1), 'X-Container-Meta-B': '', 'X-Container-Sysmeta-X': 'y' },
        })
      ).status,
    ).toBe(204);
    const head = await http(c.url, { method: 'HEAD' });
    expect(head.headers['x-container-meta-a']).toBe('1');
    expect(head.headers['x-container-meta-b']).toBeUndefined();
    expect(head.headers['x-container-sysmeta-x']).toBe('y');
    expect(
      (
        await http(c.url, {
          method: 'POST',
          headers: { 'X-Timestamp': ts(2), 'X-Container-Meta-Long': 'v'.repeat(257) },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await http(container(acct.name, 'nope').url, {
          method: 'POST',
          headers: { 'X-Timestamp': ts() },
        })
      ).status,
    ).toBe(404);
  });

  it('answers 404 for object rows of a container that does not exist', async () => {
    const c = container('AUTH_nobody', 'missing');
    expect((await putRow(c.object('o'), ts(), 1)).status).toBe(404);
    expect(
      (await http(c.object('o'), { method: 'DELETE', headers: { 'X-Timestamp': ts() } })).status,
    ).toBe(404);
    expect((await http(c.url)).status).toBe(404);
  });
});

describe('request checks', () => {
  it('refuses bad paths and missing headers with 400, and an unknown device with 507', async () => {
    const port = cluster.node(0).ports.container;
    const accountPort = cluster.node(0).ports.account;
    expect((await rawRequest(port, 'GET', '/sdb1/abc/a/c')).status).toBe(400);
    expect((await rawRequest(port, 'GET', '/../0/a/c')).status).toBe(400);
    expect((await rawRequest(port, 'GET', '/sdb1/64/a/c')).status).toBe(400); // part power 6: partitions 0-63
    expect((await rawRequest(port, 'GET', '/sdb1/0/a')).status).toBe(400);
    expect((await rawRequest(port, 'GET', '/sdb1/0/a/c/o')).status).toBe(400);
    expect((await rawRequest(accountPort, 'GET', '/sdb1/0/a/c')).status).toBe(400);
    expect(
      (await rawRequest(accountPort, 'DELETE', '/sdb1/0/a/c', { 'X-Timestamp': ts() })).status,
    ).toBe(400);
    const missing = await rawRequest(port, 'PUT', '/sdb1/0/a/c');
    expect(missing).toEqual({ status: 400, body: 'Missing X-Timestamp header' });
    expect(
      (await rawRequest(port, 'PUT', '/sdb1/0/a/c', { 'X-Timestamp': 'yesterday' })).body,
    ).toBe('Invalid X-Timestamp header');
    expect(
      (
        await rawRequest(port, 'PUT', '/sdb1/0/a/c/o', {
          'X-Timestamp': ts(),
          'X-Content-Type': 't',
          'X-Etag': 'e',
        })
      ).status,
    ).toBe(400);
    expect((await rawRequest(accountPort, 'PUT', '/sdb1/0/a', {})).body).toBe(
      'Missing X-Timestamp header',
    );
    expect((await rawRequest(port, 'PUT', '/sdz9/0/a/c', { 'X-Timestamp': ts() })).status).toBe(
      507,
    );
    expect((await rawRequest(accountPort, 'HEAD', '/sdz9/0/a')).status).toBe(507);
  });
});

describe('account updates that fail', () => {
  it('leave an async pending under the device when an account server is down', async () => {
    const acct = account();
    await createAccount(acct);
    const deadPort = await freePort();
    const c = container(acct.name, 'lonely');
    const stamp = ts();
    const reply = await http(c.url, {
      method: 'PUT',
      headers: {
        'X-Timestamp': stamp,
        'X-Account-Host': `127.0.0.1:${cluster.node(1).ports.account},127.0.0.1:${deadPort}`,
        'X-Account-Device': 'sdb1,sdb1',
        'X-Account-Partition': String(acct.partition),
      },
    });
    expect(reply.status).toBe(201);
    expect((await jsonListing<{ name: string }>(acct.url(1))).map((e) => e.name)).toEqual([
      'lonely',
    ]);
    const pendings = (await listAsyncPendings(cluster.devicePath(0))).filter(
      (p) => p.update.container === 'lonely' && p.update.account === acct.name,
    );
    expect(pendings).toHaveLength(1);
    const [{ path, update }] = pendings as [(typeof pendings)[0]];
    const hash = cluster.hasher.hashPath(acct.name, 'lonely');
    expect(path).toContain(
      `/async_pending/${hash.slice(-3)}/${hash}-${Timestamp.parse(stamp).internal}`,
    );
    expect(update).toMatchObject({
      target: 'account',
      method: 'PUT',
      partition: acct.partition,
      nodes: [{ host: `127.0.0.1:${deadPort}`, device: 'sdb1' }],
      headers: {
        'X-Put-Timestamp': Timestamp.parse(stamp).internal,
        'X-Delete-Timestamp': '0000000000.00000',
        'X-Object-Count': '0',
        'X-Bytes-Used': '0',
      },
    });
  });

  it('refuses X-Account-* headers that do not match before changing anything', async () => {
    const acct = account();
    const c = container(acct.name, 'mismatch');
    const reply = await http(c.url, {
      method: 'PUT',
      headers: {
        'X-Timestamp': ts(),
        'X-Account-Host': '127.0.0.1:1,127.0.0.1:2',
        'X-Account-Device': 'sdb1',
        'X-Account-Partition': '0',
      },
    });
    expect(reply.status).toBe(400);
    expect((await http(c.url, { method: 'HEAD' })).status).toBe(404);
  });
});
