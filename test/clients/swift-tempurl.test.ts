/**
 * python-swiftclient's `swift tempurl` (Debian's python3-swiftclient) signs links our proxy
 * must accept: the key set with `swift post -m Temp-URL-Key:…`, then GET and PUT links, prefix
 * links and ISO 8601 expiry, each used over plain HTTP — and the same links tampered with
 * refused with 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasSwift = clientAvailable('swift', 'python3-swiftclient');
const KEY = 'swiftclient-secret';

describe.skipIf(!hasSwift)('swift tempurl (python-swiftclient)', () => {
  let env: TestCluster;
  const swift = (...args: string[]) =>
    runClient('swift', ['-A', env.authUrl, '-U', 'test:tester', '-K', 'testing', ...args]);
  /** `swift tempurl …` prints the signed path and query; returns it without the newline. */
  const tempurl = async (...args: string[]) => (await swift('tempurl', ...args)).stdout.trim();

  beforeAll(async () => {
    env = await startCluster();
    await swift('post', 'shared');
    await swift('post', '-m', `Temp-URL-Key:${KEY}`);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('sets the account key with swift post', async () => {
    const { stdout } = await swift('stat');
    expect(stdout).toMatch(new RegExp(`Meta Temp-Url-Key: ${KEY}`));
  });

  it('signs a PUT and a GET link that work over plain HTTP', async () => {
    const put = await tempurl('PUT', '60', '/v1/AUTH_test/shared/report.txt', KEY);
    expect(put).toMatch(
      /^\/v1\/AUTH_test\/shared\/report\.txt\?temp_url_sig=[0-9a-f]{64}&temp_url_expires=\d+$/,
    );
    expect((await http(`${env.proxyUrl}${put}`, { method: 'PUT', body: 'quarterly' })).status).toBe(
      201,
    );
    const get = await tempurl('GET', '60', '/v1/AUTH_test/shared/report.txt', KEY);
    const reply = await http(`${env.proxyUrl}${get}`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('quarterly');
    expect(reply.headers['content-disposition']).toBe(
      `attachment; filename="report.txt"; filename*=UTF-8''report.txt`,
    );
  });

  it('refuses the same link tampered with', async () => {
    const get = await tempurl('GET', '60', '/v1/AUTH_test/shared/report.txt', KEY);
    const url = new URL(`${env.proxyUrl}${get}`);
    const sig = url.searchParams.get('temp_url_sig')!;
    const forged = new URL(url);
    forged.searchParams.set('temp_url_sig', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const longer = new URL(url);
    longer.searchParams.set(
      'temp_url_expires',
      String(Number(url.searchParams.get('temp_url_expires')) + 3600),
    );
    const elsewhere = new URL(url);
    elsewhere.pathname = '/v1/AUTH_test/shared/other.txt';
    for (const bad of [forged, longer, elsewhere]) {
      const reply = await http(bad.toString());
      expect(reply.status).toBe(401);
      expect(reply.text).toBe('401 Unauthorized: Temp URL invalid\n');
    }
    // A GET link does not write.
    expect((await http(url.toString(), { method: 'PUT', body: 'replaced' })).status).toBe(401);
    expect((await http(url.toString())).text).toBe('quarterly');
  });

  it('signs prefix links and ISO 8601 expiry the proxy accepts', async () => {
    const put = await tempurl('PUT', '60', '/v1/AUTH_test/shared/docs/a.txt', KEY);
    expect((await http(`${env.proxyUrl}${put}`, { method: 'PUT', body: 'doc' })).status).toBe(201);
    const prefix = await tempurl('--prefix-based', 'GET', '60', '/v1/AUTH_test/shared/docs/', KEY);
    const query = prefix.slice(prefix.indexOf('?'));
    expect(query).toContain('temp_url_prefix=docs/');
    expect((await http(`${env.proxyUrl}/v1/AUTH_test/shared/docs/a.txt${query}`)).text).toBe('doc');
    expect((await http(`${env.proxyUrl}/v1/AUTH_test/shared/report.txt${query}`)).status).toBe(401);
    const iso = await tempurl('--iso8601', 'GET', '60', '/v1/AUTH_test/shared/report.txt', KEY);
    expect(iso).toMatch(/temp_url_expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect((await http(`${env.proxyUrl}${iso}`)).text).toBe('quarterly');
  });
});
