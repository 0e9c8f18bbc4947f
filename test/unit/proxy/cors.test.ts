import { describe, expect, it } from 'vitest';
import {
  addCorsHeaders,
  allowedMethods,
  optionsResponse,
  originAllowed,
} from '../../../proxy/middleware/cors.js';
import type { ProxyResponse } from '../../../proxy/pipeline.js';

const METHODS = allowedMethods({ account: 'AUTH_a', container: 'c', object: 'o' }, false);

describe('CORS origin decisions', () => {
  it('allows listed origins, `*`, and the operator’s origins', () => {
    const rules = { allowOrigin: 'http://a.example  https://b.example' };
    expect(originAllowed(rules, 'http://a.example')).toBe(true);
    expect(originAllowed(rules, 'https://b.example')).toBe(true);
    expect(originAllowed(rules, 'http://c.example')).toBe(false);
    expect(originAllowed(rules, 'http://a.example.evil')).toBe(false);
    expect(originAllowed({ allowOrigin: '*' }, 'http://any.example')).toBe(true);
    expect(originAllowed({}, 'http://c.example')).toBe(false);
    expect(originAllowed({}, 'http://c.example', ['http://c.example'])).toBe(true);
  });

  it('lists COPY for objects when the copy filter runs', () => {
    expect(METHODS).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
    expect(allowedMethods({ account: 'AUTH_a', container: 'c', object: 'o' }, true)).toContain(
      'COPY',
    );
    expect(allowedMethods({ account: 'AUTH_a', container: 'c' }, true)).not.toContain('COPY');
  });
});

describe('CORS preflight', () => {
  const rules = { allowOrigin: 'http://a.example', maxAge: '600' };

  it('answers a plain OPTIONS with Allow', () => {
    const response = optionsResponse({}, METHODS, undefined);
    expect(response.status).toBe(200);
    expect(response.headers.Allow).toBe('DELETE, GET, HEAD, OPTIONS, POST, PUT');
  });

  it('grants an allowed origin and method with the Access-Control headers', () => {
    const response = optionsResponse(
      {
        origin: 'http://a.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-auth-token, content-type, x-auth-token',
      },
      METHODS,
      rules,
    );
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'http://a.example',
      'Access-Control-Max-Age': '600',
      'Access-Control-Allow-Methods': 'DELETE, GET, HEAD, OPTIONS, POST, PUT',
      'Access-Control-Allow-Headers': 'x-auth-token, content-type',
      Vary: 'Origin, Access-Control-Request-Headers',
    });
  });

  it('answers `*` containers with `*`', () => {
    const response = optionsResponse(
      { origin: 'http://z.example', 'access-control-request-method': 'GET' },
      METHODS,
      { allowOrigin: '*' },
    );
    expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
    expect(response.headers.Vary).toBeUndefined();
  });

  it('refuses other origins and methods with 401', () => {
    const other = optionsResponse(
      { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
      METHODS,
      rules,
    );
    expect(other.status).toBe(401);
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
    const method = optionsResponse(
      { origin: 'http://a.example', 'access-control-request-method': 'PATCH' },
      METHODS,
      rules,
    );
    expect(method.status).toBe(401);
    const missing = optionsResponse({ origin: 'http://a.example' }, METHODS, rules);
    expect(missing.status).toBe(401);
  });
});

describe('CORS on actual requests', () => {
  it('exposes the default, metadata and configured headers', () => {
    const response: ProxyResponse = {
      status: 200,
      headers: { 'X-Object-Meta-Color': 'red', Etag: 'abc', 'Content-Length': 3 },
    };
    addCorsHeaders(
      response,
      { allowOrigin: 'http://a.example', exposeHeaders: 'X-Custom  x-other' },
      'http://a.example',
      ['x-operator'],
    );
    const exposed = String(response.headers['Access-Control-Expose-Headers']).split(', ');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'cache-control',
        'content-language',
        'content-type',
        'expires',
        'last-modified',
        'pragma',
        'etag',
        'x-timestamp',
        'x-trans-id',
        'x-openstack-request-id',
        'x-object-meta-color',
        'x-custom',
        'x-other',
        'x-operator',
      ]),
    );
    expect(exposed).not.toContain('content-length');
    expect(response.headers['Access-Control-Allow-Origin']).toBe('http://a.example');
    expect(response.headers.Vary).toBe('Origin');
  });

  it('keeps headers a response already has and extends Vary', () => {
    const response: ProxyResponse = {
      status: 200,
      headers: { 'access-control-expose-headers': 'etag', vary: 'Accept' },
    };
    addCorsHeaders(response, { allowOrigin: 'http://a.example' }, 'http://a.example');
    expect(response.headers['access-control-expose-headers']).toBe('etag');
    expect(response.headers['Access-Control-Expose-Headers']).toBeUndefined();
    expect(response.headers.vary).toBe('Accept, Origin');
  });
});
