/**
 * CORS against a real cluster: preflight OPTIONS without a token, Access-Control headers on
 * requests from allowed origins, nothing for other origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';

let env: TestCluster;
let tester: Session;

const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${tester.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': tester.token, ...options.headers },
  });

/** A request as a browser script sends it: no token unless given, an Origin. */
const browser = (path: string, origin: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${tester.storageUrl}${path}`, {
    ...options,
    headers: { Origin: origin, ...options.headers },
  });

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  const created = await api('/web', {
    method: 'PUT',
    headers: {
      'X-Container-Meta-Access-Control-Allow-Origin': 'http://app.example https://other.example',
      'X-Container-Meta-Access-Control-Max-Age': '3600',
      'X-Container-Meta-Access-Control-Expose-Headers': 'X-Custom-Thing',
      'X-Container-Read': '.r:*',
    },
  });
  expect(created.status).toBe(201);
  await api('/web/page.html', {
    method: 'PUT',
    headers: { 'X-Object-Meta-Color': 'blue', 'Content-Type': 'text/html' },
    body: '<p>hi</p>',
  });
  await api('/open', {
    method: 'PUT',
    headers: { 'X-Container-Meta-Access-Control-Allow-Origin': '*' },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('CORS preflight', () => {
  it('grants an allowed origin without a token', async () => {
    const reply = await browser('/web/page.html', 'http://app.example', {
      method: 'OPTIONS',
      headers: {
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'X-Auth-Token, Content-Type',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBe('http://app.example');
    expect(reply.headers['access-control-max-age']).toBe('3600');
    expect(reply.headers['access-control-allow-methods']!.split(', ')).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']),
    );
    expect(reply.headers['access-control-allow-headers']).toBe('X-Auth-Token, Content-Type');
    expect(reply.headers.vary).toBe('Origin, Access-Control-Request-Headers');
    expect(reply.headers['x-trans-id']).toMatch(/^tx/);
  });

  it('answers `*` containers with `*`', async () => {
    const reply = await browser('/open/anything', 'http://random.example', {
      method: 'OPTIONS',
      headers: { 'Access-Control-Request-Method': 'GET' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBe('*');
  });

  it('refuses other origins, unknown methods and containers without CORS with 401', async () => {
    for (const [path, origin, method] of [
      ['/web/page.html', 'http://evil.example', 'GET'],
      ['/web/page.html', 'http://app.example', 'PATCH'],
      ['/missing/o', 'http://app.example', 'GET'],
    ] as const) {
      const reply = await browser(path, origin, {
        method: 'OPTIONS',
        headers: { 'Access-Control-Request-Method': method },
      });
      expect(reply.status).toBe(401);
      expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers OPTIONS without an Origin with Allow', async () => {
    const reply = await http(`${tester.storageUrl}/web/page.html`, { method: 'OPTIONS' });
    expect(reply.status).toBe(200);
    expect(reply.headers.allow!.split(', ')).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']),
    );
    const account = await http(tester.storageUrl, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(account.status).toBe(200);
    expect(account.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS on requests', () => {
  it('lets allowed origins read the response and its metadata', async () => {
    const reply = await browser('/web/page.html', 'https://other.example');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('<p>hi</p>');
    expect(reply.headers['access-control-allow-origin']).toBe('https://other.example');
    expect(reply.headers.vary).toBe('Origin');
    const exposed = reply.headers['access-control-expose-headers']!.split(', ');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'etag',
        'x-timestamp',
        'x-trans-id',
        'x-openstack-request-id',
        'content-type',
        'x-object-meta-color',
        'x-custom-thing',
      ]),
    );
  });

  it('adds the headers to errors too, so scripts can read them', async () => {
    const reply = await browser('/web/nothing-here', 'http://app.example');
    expect(reply.status).toBe(404);
    expect(reply.headers['access-control-allow-origin']).toBe('http://app.example');
    const denied = await browser('/web/page.html', 'http://app.example', {
      method: 'PUT',
      body: 'x',
    });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('http://app.example');
    expect((await api('/web/page.html')).text).toBe('<p>hi</p>');
  });

  it('leaves responses to other origins alone', async () => {
    const reply = await browser('/web/page.html', 'http://evil.example');
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    expect(reply.headers['access-control-expose-headers']).toBeUndefined();
  });
});
