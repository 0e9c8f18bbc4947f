/**
 * StaticWeb against a running cluster: a public container served as a web site — index
 * pages with Swift's 301 to the slash, listings (escaped, with a style sheet and a label),
 * error pages, directory markers — for anonymous visitors and for users with X-Web-Mode, while
 * the container's ACL still decides and writes stay refused.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

let env: TestCluster;
let tester: Session;
let host: string;

const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${tester.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': tester.token, ...options.headers },
  });

/** An anonymous visitor, as a browser. */
const visit = (path: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${env.proxyUrl}/v1/AUTH_test${path}`, options);

const setWeb = async (container: string, headers: Record<string, string>) =>
  expect((await api(`/${container}`, { method: 'POST', headers })).status).toBe(204);

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  host = new URL(env.proxyUrl).host;
  expect(
    (await api('/site', { method: 'PUT', headers: { 'X-Container-Read': '.r:*,.rlistings' } }))
      .status,
  ).toBe(201);
  const put = (path: string, body: string, type = 'text/html') =>
    api(`/site/${path}`, { method: 'PUT', body, headers: { 'Content-Type': type } });
  await put('index.html', '<h1>home</h1>');
  await put('404error.html', '<h1>custom not found</h1>');
  await put('401error.html', '<h1>custom unauthorized</h1>');
  await put('style.css', 'body {}', 'text/css');
  await put('docs/index.html', '<h1>docs home</h1>');
  await put('docs/guide.html', 'guide');
  await put('files/a <b>&c.txt', 'a', 'text/plain');
  await put('files/sub/deep.txt', 'deep', 'text/plain');
  await put('marker', '', 'application/directory');
  await put('marker/inside.txt', 'inside', 'text/plain');
  // Public objects, but no public listing: the container page needs .rlistings.
  expect(
    (await api('/objects-only', { method: 'PUT', headers: { 'X-Container-Read': '.r:*' } })).status,
  ).toBe(201);
  await api('/objects-only/index.html', { method: 'PUT', body: 'hidden index' });
  await api('/objects-only/401error.html', { method: 'PUT', body: 'please log in' });
  await setWeb('objects-only', {
    'X-Container-Meta-Web-Index': 'index.html',
    'X-Container-Meta-Web-Error': 'error.html',
  });
  expect((await api('/private', { method: 'PUT' })).status).toBe(201);
  await api('/private/index.html', { method: 'PUT', body: 'secret' });
  await setWeb('private', { 'X-Container-Meta-Web-Index': 'index.html' });
});

afterAll(async () => {
  await env?.stop();
});

describe('before the container is a web site', () => {
  it('leaves a public container to the plain API', async () => {
    const listing = await visit('/site/');
    expect(listing.status).toBe(200);
    expect(listing.headers['content-type']).toMatch(/^text\/plain/);
    expect(listing.text.split('\n')).toContain('index.html');
    expect((await visit('/site/docs/')).status).toBe(404);
  });
});

describe('index pages', () => {
  beforeAll(async () => {
    await setWeb('site', { 'X-Container-Meta-Web-Index': 'index.html' });
  });

  it('serves the index for the container and sends /c to /c/ with a 301', async () => {
    const home = await visit('/site/');
    expect(home.status).toBe(200);
    expect(home.text).toBe('<h1>home</h1>');
    const bare = await visit('/site');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`http://${host}/v1/AUTH_test/site/`);
    const head = await visit('/site/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('13');
    expect(head.text).toBe('');
  });

  it('serves pseudo-directory indexes and redirects them to their slash', async () => {
    expect((await visit('/site/docs/')).text).toBe('<h1>docs home</h1>');
    const bare = await visit('/site/docs');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`http://${host}/v1/AUTH_test/site/docs/`);
    expect((await visit('/site/docs/guide.html')).text).toBe('guide');
  });

  it('shows Swift’s page when a directory has no index and listings are off', async () => {
    const reply = await visit('/site/files/');
    expect(reply.status).toBe(404);
    expect(reply.text).toContain('<h1>Web Listing Disabled</h1>');
    expect(reply.text).toContain('X-Container-Meta-Web-Index: index.html');
  });

  it('leaves users with a token the API unless they ask for X-Web-Mode', async () => {
    const asApi = await api('/site/');
    expect(asApi.headers['content-type']).toMatch(/^text\/plain/);
    const asWeb = await api('/site/', { headers: { 'X-Web-Mode': 'true' } });
    expect(asWeb.text).toBe('<h1>home</h1>');
  });

  it('grants nothing the ACL does not: private containers and writes stay refused', async () => {
    expect((await visit('/private/')).status).toBe(401);
    expect((await visit('/private/index.html')).status).toBe(401);
    const write = await visit('/site/index.html', { method: 'PUT', body: 'defaced' });
    expect(write.status).toBe(401);
    expect((await visit('/site/')).text).toBe('<h1>home</h1>');
  });

  it('needs .rlistings for the container page, as Swift, and shows the 401 error page', async () => {
    const reply = await visit('/objects-only/');
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('please log in');
    expect((await visit('/objects-only/index.html')).text).toBe('hidden index');
  });
});

describe('listings and errors', () => {
  beforeAll(async () => {
    await setWeb('site', {
      'X-Remove-Container-Meta-Web-Index': 'x',
      'X-Container-Meta-Web-Listings': 'true',
      'X-Container-Meta-Web-Listings-CSS': 'style.css',
      'X-Container-Meta-Web-Error': 'error.html',
    });
  });

  it('lists the container as HTML with the style sheet', async () => {
    const reply = await visit('/site/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(reply.text).toContain('<title>Listing of /v1/AUTH_test/site/</title>');
    expect(reply.text).toContain('<link rel="stylesheet" type="text/css" href="style.css" />');
    expect(reply.text).toContain('<a href="docs/">docs/</a>');
    expect(reply.text).toContain('<a href="index.html">index.html</a>');
    expect(reply.text).not.toContain('id="parent"');
  });

  it('lists pseudo-directories with escaped names, quoted links and a parent link', async () => {
    const reply = await visit('/site/files/');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('<a href="a%20%3Cb%3E%26c.txt">a &lt;b&gt;&amp;c.txt</a>');
    expect(reply.text).not.toContain('<b>&c');
    expect(reply.text).toContain('<a href="sub/">sub/</a>');
    expect(reply.text).toContain('<a href="../">../</a>');
    expect(reply.text).toContain('href="../style.css"');
    expect(reply.text).toContain('<tr class="item type-text type-plain">');
  });

  it('uses the listings label in titles', async () => {
    await setWeb('site', { 'X-Container-Meta-Web-Listings-Label': 'www.example.com' });
    expect((await visit('/site/files/')).text).toContain(
      '<h1 id="title">Listing of www.example.com/files/</h1>',
    );
    await setWeb('site', { 'X-Remove-Container-Meta-Web-Listings-Label': 'x' });
  });

  it('serves directory markers as directories', async () => {
    const bare = await visit('/site/marker');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`http://${host}/v1/AUTH_test/site/marker/`);
    const listing = await visit('/site/marker/');
    expect(listing.text).toContain('<a href="inside.txt">inside.txt</a>');
  });

  it('redirects a bare pseudo-directory to its slash and 404s what does not exist', async () => {
    expect((await visit('/site/files')).status).toBe(301);
    const missing = await visit('/site/nothing/here.html');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('<h1>custom not found</h1>');
    expect(missing.headers['content-type']).toBe('text/html');
    expect((await visit('/site/nothing/')).status).toBe(404);
    expect((await visit('/site/nothing/')).text).toBe('<h1>custom not found</h1>');
  });

  it('is listed in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.staticweb).toEqual({});
  });
});

describe('with a prefix TempURL', () => {
  it('lists a private pseudo-directory and carries the signature into its links', async () => {
    expect((await api('/vault', { method: 'PUT' })).status).toBe(201);
    await api('/vault/shared/report.txt', { method: 'PUT', body: 'for a partner' });
    await api('/vault/private.txt', { method: 'PUT', body: 'not shared' });
    await setWeb('vault', { 'X-Container-Meta-Web-Listings': 'true' });
    await api('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': 'web-key' } });
    const expires = Math.floor(Date.now() / 1000) + 300;
    const sig = createHmac('sha256', 'web-key')
      .update(`GET\n${expires}\nprefix:/v1/AUTH_test/vault/shared/`)
      .digest('hex');
    const query = `temp_url_sig=${sig}&temp_url_expires=${expires}&temp_url_prefix=shared/`;
    const listing = await visit(`/vault/shared/?${query}`);
    expect(listing.status).toBe(200);
    const link = `report.txt?temp_url_prefix=shared/&amp;temp_url_expires=${expires}&amp;temp_url_sig=${sig}`;
    expect(listing.text).toContain(`<a href="${link}">report.txt</a>`);
    expect(listing.text).not.toContain('id="parent"');
    const followed = await visit(`/vault/shared/${link.replace(/&amp;/g, '&')}`);
    expect(followed.text).toBe('for a partner');
    expect((await visit(`/vault/private.txt?${query}`)).status).toBe(401);
    expect((await visit('/vault/shared/')).status).toBe(401);
  });
});
