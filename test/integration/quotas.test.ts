/**
 * Container and account quotas against a real cluster: uploads over a quota get 413 and are
 * not stored, only reseller admins may set account quotas, malformed quotas get 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';

let env: TestCluster;
let tester: Session;
let reseller: Session;
let plain: Session;

const api = (path: string, options: Parameters<typeof http>[1] = {}, session: Session = tester) =>
  http(`${tester.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

/** Waits until the account servers have the container's latest counts (reported shortly after). */
async function accountBytes(expected: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const head = await api('', { method: 'HEAD' });
    if (Number(head.headers['x-account-bytes-used']) === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`account never reached ${expected} bytes`);
}

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  reseller = await login(env.authUrl, 'test5:tester5', 'testing5');
  plain = await login(env.authUrl, 'test:tester3', 'testing3');
});

afterAll(async () => {
  await env?.stop();
});

describe('container quotas', () => {
  it('are listed in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.container_quotas).toEqual({});
    expect(info.account_quotas).toEqual({});
  });

  it('refuse an upload over the byte quota with 413 and store nothing', async () => {
    const created = await api('/capped', {
      method: 'PUT',
      headers: { 'X-Container-Meta-Quota-Bytes': '10' },
    });
    expect(created.status).toBe(201);
    const over = await api('/capped/big', { method: 'PUT', body: 'eleven byte' });
    expect(over.status).toBe(413);
    expect(over.text).toBe('Upload exceeds quota.');
    expect((await api('/capped/big', { method: 'HEAD' })).status).toBe(404);
    expect((await api('/capped/fits', { method: 'PUT', body: 'ten bytes!' })).status).toBe(201);
  });

  it('count the objects already there against the count quota', async () => {
    await api('/counted', { method: 'PUT' });
    expect((await api('/counted/one', { method: 'PUT', body: '1' })).status).toBe(201);
    // Setting the quota refreshes the cached container info, which now shows one object.
    const post = await api('/counted', {
      method: 'POST',
      headers: { 'X-Container-Meta-Quota-Count': '1' },
    });
    expect(post.status).toBe(204);
    const second = await api('/counted/two', { method: 'PUT', body: '2' });
    expect(second.status).toBe(413);
    expect((await api('/counted/two', { method: 'HEAD' })).status).toBe(404);
    expect((await api('/counted')).text).toBe('one\n');
  });

  it('refuse malformed quotas with 400, changing nothing', async () => {
    for (const [header, message] of [
      ['X-Container-Meta-Quota-Bytes', 'Invalid bytes quota.'],
      ['X-Container-Meta-Quota-Count', 'Invalid count quota.'],
    ]) {
      const reply = await api('/capped', { method: 'POST', headers: { [header!]: 'lots' } });
      expect(reply.status).toBe(400);
      expect(reply.text).toBe(message);
    }
    const head = await api('/capped', { method: 'HEAD' });
    expect(head.headers['x-container-meta-quota-bytes']).toBe('10');
    expect(head.headers['x-container-meta-quota-count']).toBeUndefined();
  });

  it('cap server-side copies too', async () => {
    // Re-setting the quota refreshes the cached container info (10 bytes used).
    await api('/capped', { method: 'POST', headers: { 'X-Container-Meta-Quota-Bytes': '10' } });
    const copy = await api('/counted/one', {
      method: 'COPY',
      headers: { Destination: 'capped/copied' },
    });
    expect(copy.status).toBe(413);
    const copyFrom = await api('/capped/copied', {
      method: 'PUT',
      headers: { 'X-Copy-From': 'counted/one', 'Content-Length': '0' },
    });
    expect(copyFrom.status).toBe(413);
    expect((await api('/capped/copied', { method: 'HEAD' })).status).toBe(404);
  });

  it('answer 401/403 rather than 413 to those who may not write there', async () => {
    expect((await api('/capped/x', { method: 'PUT', body: 'way too big' }, plain)).status).toBe(
      403,
    );
    const anonymous = await http(`${tester.storageUrl}/capped/x`, {
      method: 'PUT',
      body: 'way too big',
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('account quotas', () => {
  it('may be set by a reseller admin only', async () => {
    for (const header of ['X-Account-Meta-Quota-Bytes', 'X-Account-Quota-Bytes']) {
      const owner = await api('', { method: 'POST', headers: { [header]: '1000' } });
      expect(owner.status).toBe(403);
    }
    const remove = await api('', {
      method: 'POST',
      headers: { 'X-Remove-Account-Meta-Quota-Bytes': 'x' },
    });
    expect(remove.status).toBe(403);
    const bad = await api(
      '',
      { method: 'POST', headers: { 'X-Account-Quota-Bytes': 'ten' } },
      reseller,
    );
    expect(bad.status).toBe(400);
    const head = await api('', { method: 'HEAD' });
    expect(head.headers['x-account-meta-quota-bytes']).toBeUndefined();
    expect(head.headers['x-account-quota-bytes']).toBeUndefined();
  });

  it('refuse uploads that would take the account over with 413', async () => {
    await accountBytes(11); // capped/fits (10) + counted/one (1)
    const set = await api(
      '',
      { method: 'POST', headers: { 'X-Account-Quota-Bytes': '40' } },
      reseller,
    );
    expect(set.status).toBe(204);
    const head = await api('', { method: 'HEAD' });
    expect(head.headers['x-account-quota-bytes']).toBe('40');
    expect(head.headers['x-account-sysmeta-quota-bytes']).toBeUndefined();
    await api('/acct', { method: 'PUT' });
    const over = await api('/acct/o', { method: 'PUT', body: 'x'.repeat(30) });
    expect(over.status).toBe(413);
    expect(over.text).toBe('Upload exceeds quota.');
    expect((await api('/acct/o', { method: 'HEAD' })).status).toBe(404);
    expect((await api('/acct/o', { method: 'PUT', body: 'x'.repeat(29) })).status).toBe(201);
    // Resellers are not held to quotas.
    expect((await api('/acct/r', { method: 'PUT', body: 'x'.repeat(100) }, reseller)).status).toBe(
      201,
    );
  });

  it('honour the classic X-Account-Meta-Quota-Bytes form, and removals', async () => {
    const remove = await api(
      '',
      { method: 'POST', headers: { 'X-Remove-Account-Quota-Bytes': 'x' } },
      reseller,
    );
    expect(remove.status).toBe(204);
    const set = await api(
      '',
      { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '5' } },
      reseller,
    );
    expect(set.status).toBe(204);
    expect((await api('/acct/p', { method: 'PUT', body: 'x' })).status).toBe(413);
    await api('', { method: 'POST', headers: { 'X-Account-Meta-Quota-Bytes': '' } }, reseller);
    expect((await api('/acct/p', { method: 'PUT', body: 'x' })).status).toBe(201);
  });
});
