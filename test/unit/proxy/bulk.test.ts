import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pack, type Header as TarHeader } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { StratusError } from '../../../common/errors.js';
import { createLogger } from '../../../common/logger.js';
import { readDeleteList, unquote } from '../../../proxy/bulk/delete.js';
import { decompressed } from '../../../proxy/bulk/decompress.js';
import { destinationOf, paxHeader } from '../../../proxy/bulk/extract.js';
import { bestFormat, quotePath, resultBody, statusLine } from '../../../proxy/bulk/formats.js';
import {
  parseNumber,
  parsePax,
  readTar,
  TarError,
  type TarEntry,
} from '../../../proxy/bulk/tar.js';
import type { ProxyContext } from '../../../proxy/context.js';
import { bulk } from '../../../proxy/middleware/bulk.js';
import type { App, ProxyRequest, ProxyResponse } from '../../../proxy/pipeline.js';

const silent = createLogger({ server: 'test', level: 'silent' });

function request(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string = '',
): ProxyRequest {
  const url = new URL(path, 'http://x');
  const bytes = Buffer.from(body);
  return {
    method,
    rawPath: url.pathname,
    query: url.searchParams,
    headers: { 'content-length': String(bytes.length), ...headers },
    body: Readable.from([bytes]),
    clientIp: '127.0.0.1',
    txId: 'txtest',
    log: silent,
    env: new Map(),
    continueBody: () => undefined,
  };
}

async function* chunksOf(data: Buffer, size = 100): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

interface TarFile {
  header: Partial<TarHeader> & { name: string; pax?: Record<string, string> };
  data?: string | Buffer;
}

async function tarOf(files: TarFile[]): Promise<Buffer> {
  const packer = pack();
  const done = buffer(packer);
  for (const file of files) packer.entry(file.header, file.data ?? '');
  packer.finalize();
  return done;
}

async function collect(
  entries: AsyncIterable<TarEntry>,
  read = true,
): Promise<{ name: string; kind: string; data: string; pax: Record<string, string> }[]> {
  const out = [];
  for await (const entry of entries) {
    let data = '';
    if (read) for await (const chunk of entry.body) data += chunk.toString();
    out.push({
      name: entry.name.toString(),
      kind: entry.kind,
      data,
      pax: Object.fromEntries([...entry.pax].map(([k, v]) => [k, v.toString()])),
    });
  }
  return out;
}

describe('bulk response formats', () => {
  it('picks the format from Accept as swob does', () => {
    expect(bestFormat(undefined)).toBe('text/plain');
    expect(bestFormat('application/json')).toBe('application/json');
    expect(bestFormat('text/xml')).toBe('text/xml');
    expect(bestFormat('*/*')).toBe('text/plain');
    expect(bestFormat('application/*')).toBe('application/json');
    expect(bestFormat('text/plain;q=0.5, application/xml')).toBe('application/xml');
    expect(bestFormat('image/png')).toBeUndefined();
    expect(bestFormat('application/json;q=0')).toBeUndefined();
    expect(bestFormat('garbage')).toBeUndefined();
  });

  it("writes Swift's JSON, text and XML bodies", () => {
    const summary: [string, string | number][] = [
      ['Response Status', '400 Bad Request'],
      ['Response Body', ''],
      ['Number Deleted', 2],
      ['Number Not Found', 1],
    ];
    const errors: [string, string][] = [['/c/o%20%C3%A9<', '409 Conflict']];
    expect(resultBody('application/json', summary, errors, 'delete')).toBe(
      '{"Response Status": "400 Bad Request", "Response Body": "", "Number Deleted": 2, ' +
        '"Number Not Found": 1, "Errors": [["/c/o%20%C3%A9<", "409 Conflict"]]}',
    );
    expect(resultBody('text/plain', summary, errors, 'delete')).toBe(
      'Number Deleted: 2\nNumber Not Found: 1\nResponse Body: \nResponse Status: 400 Bad Request\n' +
        'Errors:\n/c/o%20%C3%A9<, 409 Conflict\n',
    );
    expect(resultBody('application/xml', summary, errors, 'delete')).toBe(
      '<delete>\n<number_deleted>2</number_deleted>\n<number_not_found>1</number_not_found>\n' +
        '<response_body></response_body>\n<response_status>400 Bad Request</response_status>\n' +
        '<errors>\n<object><name>/c/o%20%C3%A9&lt;</name><status>409 Conflict</status></object>\n' +
        '</errors>\n</delete>\n',
    );
    expect(resultBody('application/json', [['Response Body', 'é']], [], 'extract')).toBe(
      '{"Response Body": "\\u00e9", "Errors": []}',
    );
  });

  it('quotes paths as Python does and names statuses as swob', () => {
    expect(quotePath('/c/a b+é~_.-')).toBe('/c/a%20b%2B%C3%A9~_.-');
    expect(quotePath(Buffer.from([0x2f, 0xff]))).toBe('/%FF');
    expect(statusLine(200)).toBe('200 OK');
    expect(statusLine(413)).toBe('413 Request Entity Too Large');
    expect(statusLine(502)).toBe('502 Bad Gateway');
    expect(statusLine(498)).toBe('498 Rate Limited');
  });
});

describe('bulk delete list', () => {
  it('decodes percent escapes leniently', () => {
    expect(unquote(Buffer.from('/c/a%20b+%zz%2')).toString()).toBe('/c/a b+%zz%2');
    expect(unquote(Buffer.from('%E2%98%83')).toString()).toBe('☃');
  });

  it('reads names across chunk boundaries, stripping whitespace', async () => {
    const body = Buffer.from(' /c/o1 \r\n/c/o%202\n\n/c\n/c/last');
    const names = await readDeleteList(chunksOf(body, 3), 10);
    expect(names.map(String)).toEqual(['/c/o1', '/c/o 2', '', '/c', '/c/last']);
  });

  it('refuses more names than max_deletes_per_request with 413', async () => {
    const body = Buffer.from('/c/a\n/c/b\n/c/c\n');
    await expect(readDeleteList(chunksOf(body), 2)).rejects.toMatchObject({
      status: 413,
      message: 'Maximum Bulk Deletes: 2 per request',
    });
    expect((await readDeleteList(chunksOf(body), 3)).length).toBe(3);
  });

  it('refuses an endless line with 400 Invalid File Name', async () => {
    const body = Buffer.alloc(3000, 'a');
    await expect(readDeleteList(chunksOf(body, 1000), 10)).rejects.toMatchObject({
      status: 400,
      message: 'Invalid File Name',
    });
  });
});

describe('tar reader', () => {
  it('lists ustar and pax members with their data and xattrs', async () => {
    const longName = `photos/${'deep/'.repeat(30)}cat.jpg`;
    const archive = await tarOf([
      { header: { name: 'photos', type: 'directory' } },
      { header: { name: 'photos/a.txt' }, data: 'hello' },
      { header: { name: longName }, data: Buffer.alloc(1500, 'x') },
      {
        header: {
          name: 'photos/meta.txt',
          pax: {
            'SCHILY.xattr.user.meta.lunch': 'burger',
            'SCHILY.xattr.user.mime_type': 'text/x-lunch',
          },
        },
        data: 'yum',
      },
      { header: { name: 'photos/link', type: 'symlink', linkname: 'a.txt' } },
      { header: { name: 'photos/empty' } },
    ]);
    const members = await collect(readTar(chunksOf(archive, 700)));
    expect(members.map((m) => [m.name, m.kind, m.data.length])).toEqual([
      ['photos', 'directory', 0],
      ['photos/a.txt', 'file', 5],
      [longName, 'file', 1500],
      ['photos/meta.txt', 'file', 3],
      ['photos/link', 'link', 0],
      ['photos/empty', 'file', 0],
    ]);
    expect(members[3]!.pax).toMatchObject({
      'SCHILY.xattr.user.meta.lunch': 'burger',
      'SCHILY.xattr.user.mime_type': 'text/x-lunch',
    });
  });

  it('skips data the consumer leaves unread', async () => {
    const archive = await tarOf([
      { header: { name: 'c/big' }, data: Buffer.alloc(200_000, 'b') },
      { header: { name: 'c/small' }, data: 'tiny' },
    ]);
    const names: string[] = [];
    for await (const entry of readTar(chunksOf(archive, 4096))) {
      names.push(entry.name.toString());
      if (entry.name.toString() === 'c/small') {
        let data = '';
        for await (const chunk of entry.body) data += chunk.toString();
        expect(data).toBe('tiny');
      }
    }
    expect(names).toEqual(['c/big', 'c/small']);
  });

  it('reads GNU long names and base-256 sizes', async () => {
    const name = `c/${'n'.repeat(150)}`;
    const archive = await tarOf([{ header: { name: 'c/x' }, data: 'abc' }]);
    // Rewrite the member as GNU tar would: an `L` record holding the name, then the file.
    const gnu = Buffer.from(archive.subarray(0, 512));
    const longHeader = Buffer.from(gnu);
    longHeader.fill(0, 0, 100);
    longHeader.write('././@LongLink', 0);
    longHeader.write('00000000233\0', 124); // 155 bytes of name (octal 233)
    longHeader[156] = 'L'.charCodeAt(0);
    fixChecksum(longHeader);
    const nameBlock = Buffer.alloc(512);
    nameBlock.write(name);
    const fileHeader = Buffer.from(gnu);
    fileHeader.fill(0, 124, 136);
    fileHeader[124] = 0x80; // base-256 size
    fileHeader.writeUInt32BE(3, 132);
    fixChecksum(fileHeader);
    const data = Buffer.alloc(512);
    data.write('abc');
    const rewritten = Buffer.concat([longHeader, nameBlock, fileHeader, data, Buffer.alloc(1024)]);
    const members = await collect(readTar(chunksOf(rewritten)));
    expect(members).toMatchObject([{ name, kind: 'file', data: 'abc' }]);
  });

  it('refuses corrupt and cut archives with tarfile’s messages', async () => {
    const archive = await tarOf([{ header: { name: 'c/a' }, data: 'x'.repeat(1000) }]);
    const corrupt = Buffer.from(archive);
    corrupt[10] = corrupt[10]! ^ 0xff;
    await expect(collect(readTar(chunksOf(corrupt)))).rejects.toThrow('bad checksum');
    await expect(collect(readTar(chunksOf(Buffer.alloc(600, 'z'))))).rejects.toThrow(
      'invalid header',
    );
    await expect(collect(readTar(chunksOf(Buffer.alloc(0))))).rejects.toThrow('empty file');
    await expect(collect(readTar(chunksOf(archive.subarray(0, 300))))).rejects.toThrow(
      'truncated header',
    );
    const cut = collect(readTar(chunksOf(archive.subarray(0, 900))));
    await expect(cut).rejects.toThrow(TarError);
    await expect(cut).rejects.toThrow('unexpected end of data');
  });

  it('parses pax records and numbers', () => {
    expect([...parsePax(Buffer.from('14 path=a/b/c\n20 size=12345678901\n'))]).toEqual([
      ['path', Buffer.from('a/b/c')],
      ['size', Buffer.from('12345678901')],
    ]);
    expect(() => parsePax(Buffer.from('99 path=x\n'))).toThrow('invalid header');
    expect(parseNumber(Buffer.from('0000644 \0'))).toBe(0o644);
    expect(parseNumber(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]))).toBe(2 ** 32);
    expect(() => parseNumber(Buffer.from('12x'))).toThrow('invalid header');
  });
});

function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

// `tar --format=ustar -cf - photos | bzip2 -9` of photos/a.txt ("first file\n") and
// photos/b.txt ("second\n"), made with GNU tar and bzip2 1.0.8.
const TAR_BZ2 =
  'QlpoOTFBWSZTWSpT+N0AAN/7kMuQIEBAAf+ABCB/Zd5ABAABCDAAubYZUANGgAAAZMhGlMg0AGgaaA0AEUomR6hpo0GhiAaB+xA01WRS0GeBWMqiOSymlmJph9NjVt35mSiQrfhOJXdfi2lchRuL5PJhXU0BbBOwtDbgcYMoSWhJGHylsRBCDMIIlExLygZBlgNbnLSxZ8Clq4BSXgVn1qOTsdTLGYEMLwLRUA6WBpoOKIfxdyRThQkCpT+N0A==';

describe('archive decompression', () => {
  it('reads tar.gz and tar.bz2 streams', async () => {
    const archive = await tarOf([{ header: { name: 'c/a' }, data: 'gzipped' }]);
    const gz = await buffer(Readable.from([archive]).pipe(createGzip()));
    expect(await collect(readTar(decompressed(chunksOf(gz, 10), 'gz')))).toMatchObject([
      { name: 'c/a', data: 'gzipped' },
    ]);
    const bz2 = Buffer.from(TAR_BZ2, 'base64');
    const members = await collect(readTar(decompressed(chunksOf(bz2, 16), 'bz2')));
    expect(members.sort((a, b) => a.name.localeCompare(b.name))).toMatchObject([
      { name: 'photos/', kind: 'directory' },
      { name: 'photos/a.txt', data: 'first file\n' },
      { name: 'photos/b.txt', data: 'second\n' },
    ]);
  });

  it('reports corrupt compressed data as tarfile does', async () => {
    const junk = Buffer.from('this is not compressed at all');
    await expect(collect(readTar(decompressed(chunksOf(junk), 'gz')))).rejects.toThrow(
      'not a gzip file',
    );
    await expect(collect(readTar(decompressed(chunksOf(junk), 'bz2')))).rejects.toThrow(
      'invalid compressed data',
    );
    const bz2 = Buffer.from(TAR_BZ2, 'base64');
    await expect(
      collect(readTar(decompressed(chunksOf(bz2.subarray(0, 120)), 'bz2'))),
    ).rejects.toThrow(TarError);
  });

  it('passes the client’s errors through unchanged', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from([0x1f, 0x8b]);
      throw new StratusError('CLIENT_TIMEOUT', 'Request Timeout');
    }
    await expect(collect(readTar(decompressed(failing(), 'gz')))).rejects.toMatchObject({
      status: 408,
    });
  });
});

describe('extract paths and headers', () => {
  it('maps pax xattrs to headers as Swift', () => {
    expect(paxHeader('SCHILY.xattr.user.mime_type')).toBe('content-type');
    expect(paxHeader('LIBARCHIVE.xattr.user.meta.Lunch')).toBe('x-object-meta-lunch');
    expect(paxHeader('SCHILY.xattr.user.stuff')).toBeUndefined();
    expect(paxHeader('mtime')).toBeUndefined();
  });

  it('places members under the URL, skipping top-level files without a container', () => {
    const dest = (name: string, base: string) => destinationOf(Buffer.from(name), base)?.toString();
    expect(dest('./c/o', '')).toBe('c/o');
    expect(dest('/c/o', '')).toBe('c/o');
    expect(dest('top.txt', '')).toBeUndefined();
    expect(dest('top.txt', 'c')).toBe('c/top.txt');
    expect(dest('d/o', 'c/pre')).toBe('c/pre/d/o');
  });
});

describe('bulk filter', () => {
  const ctx = { capabilities: {}, config: { clientTimeout: 5 } } as unknown as ProxyContext;
  const conf = ConfigSection.of('filter:bulk', {
    yield_frequency: 0.01,
    max_deletes_per_request: 5,
  });

  const recording = (statusFor: (req: ProxyRequest) => number, delayMs = 0) => {
    const seen: string[] = [];
    const app: App = async (req) => {
      seen.push(`${req.method} ${req.rawPath} ${req.headers['x-auth-token']}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      for await (const _chunk of req.body) {
        // read the body as a controller would
      }
      return { status: statusFor(req), headers: {}, body: '' };
    };
    return { seen, app };
  };

  async function run(filterReq: ProxyRequest, app: App): Promise<ProxyResponse & { text: string }> {
    const response = await bulk(conf, ctx)(filterReq, app);
    const text = (await buffer(response.body as Readable)).toString();
    return { ...response, text };
  }

  it('publishes bulk_delete and bulk_upload in /info', () => {
    bulk(conf, ctx);
    expect(ctx.capabilities.bulk_delete).toEqual({
      max_deletes_per_request: 5,
      max_failed_deletes: 1000,
    });
    expect(ctx.capabilities.bulk_upload).toEqual({
      max_containers_per_extraction: 10000,
      max_failed_extractions: 1000,
    });
  });

  it('deletes objects before containers, as the user, with whitespace while working', async () => {
    const { seen, app } = recording((req) => (req.rawPath.endsWith('/missing') ? 404 : 204), 30);
    const response = await run(
      request(
        'POST',
        '/v1/AUTH_test?bulk-delete',
        { 'x-auth-token': 'tok', 'content-type': 'text/plain', accept: 'application/json' },
        '/c\n/c/a%20b\n/c/missing\n',
      ),
      app,
    );
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(response.text).toMatch(/^ +\r\n\r\n\{/);
    expect(JSON.parse(response.text)).toEqual({
      'Response Status': '200 OK',
      'Response Body': '',
      'Number Deleted': 2,
      'Number Not Found': 1,
      Errors: [],
    });
    expect(seen.at(-1)).toBe('DELETE /v1/AUTH_test/c tok');
    expect(seen).toContain('DELETE /v1/AUTH_test/c/a%20b tok');
  });

  it('reports failures with 400, or 502 after a server error', async () => {
    const { app } = recording((req) => (req.rawPath.endsWith('/busy') ? 409 : 503));
    const response = await run(
      request('DELETE', '/v1/AUTH_test?bulk-delete', {}, '/c/busy\n/c/down\n'),
      app,
    );
    expect(response.text).toContain('Response Status: 502 Bad Gateway\n');
    expect(response.text).toContain('/c/busy, 409 Conflict\n');
    expect(response.text).toContain('/c/down, 503 Service Unavailable\n');
  });

  it('refuses bad requests in the body, deleting nothing', async () => {
    const { seen, app } = recording(() => 204);
    const tooMany = await run(
      request('POST', '/v1/AUTH_test?bulk-delete', {}, '/c/1\n/c/2\n/c/3\n/c/4\n/c/5\n/c/6\n'),
      app,
    );
    expect(tooMany.status).toBe(200);
    expect(tooMany.text).toContain('Response Status: 413 Request Entity Too Large\n');
    expect(tooMany.text).toContain('Response Body: Maximum Bulk Deletes: 5 per request\n');
    const json = await run(
      request('POST', '/v1/AUTH_test?bulk-delete', { 'content-type': 'application/json' }, '[]'),
      app,
    );
    expect(json.text).toContain('Response Status: 406 Not Acceptable');
    const noLength = request('POST', '/v1/AUTH_test?bulk-delete', {});
    delete noLength.headers['content-length'];
    expect((await run(noLength, app)).text).toContain('Response Status: 411 Length Required');
    const empty = await run(request('POST', '/v1/AUTH_test?bulk-delete', {}, '\n\n'), app);
    expect(empty.text).toContain('Response Status: 400 Bad Request');
    expect(empty.text).toContain('Response Body: Invalid bulk delete.');
    expect(seen).toEqual([]);
  });

  it('extracts archives through PUT subrequests with sizes and metadata', async () => {
    const puts: Record<string, { headers: Record<string, string>; body: string }> = {};
    const app: App = async (req) => {
      let body = '';
      for await (const chunk of req.body) body += String(chunk);
      if (req.method === 'PUT') puts[req.rawPath] = { headers: req.headers, body };
      return { status: req.method === 'HEAD' ? 404 : 201, headers: {}, body: '' };
    };
    const archive = await tarOf([
      { header: { name: 'top.txt' }, data: 'skipped' },
      {
        header: { name: 'docs/é.txt', pax: { 'SCHILY.xattr.user.meta.color': 'blue' } },
        data: 'hello',
      },
    ]);
    const response = await run(
      request(
        'PUT',
        '/v1/AUTH_test?extract-archive=tar',
        { 'x-auth-token': 'tok', accept: 'application/json', 'x-object-meta-batch': '7' },
        archive,
      ),
      app,
    );
    expect(JSON.parse(response.text)).toEqual({
      'Response Status': '201 Created',
      'Response Body': '',
      'Number Files Created': 1,
      Errors: [],
    });
    expect(Object.keys(puts)).toEqual(['/v1/AUTH_test/docs', '/v1/AUTH_test/docs/%C3%A9.txt']);
    expect(puts['/v1/AUTH_test/docs/%C3%A9.txt']).toMatchObject({
      body: 'hello',
      headers: {
        'content-length': '5',
        'x-auth-token': 'tok',
        'x-object-meta-color': 'blue',
        'x-object-meta-batch': '7',
      },
    });
  });

  it('answers unsupported archive types with 400 at once', async () => {
    await expect(
      bulk(conf, ctx)(request('PUT', '/v1/AUTH_test/c?extract-archive=zip', {}), async () => ({
        status: 500,
        headers: {},
      })),
    ).rejects.toMatchObject({ status: 400, message: 'Unsupported archive format' });
  });
});
