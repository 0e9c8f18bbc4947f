/**
 * FormPost's pieces without a cluster: the streaming multipart reader (fed in awkward chunk
 * sizes), its limits and refusals, the form signature (vectors from Python's hmac), the
 * max_file_size cap, object names and the answers a browser gets.
 */
import { describe, expect, it } from 'vitest';
import {
  CappedBody,
  checkFormSignature,
  fieldValue,
  FormError,
  formAnswer,
  statusLine,
  uploadPath,
} from '../../../proxy/formpost/form.js';
import {
  formBoundary,
  MultipartError,
  parseDisposition,
  readMultipart,
  type MimePart,
} from '../../../proxy/formpost/multipart.js';

const BOUNDARY = '----WebKitFormBoundaryZ9x';

function form(parts: { headers: string[]; body: string | Buffer }[], epilogue = '\r\n'): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(`--${BOUNDARY}\r\n${part.headers.join('\r\n')}\r\n\r\n`));
    pieces.push(Buffer.from(part.body));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--${epilogue}`));
  return Buffer.concat(pieces);
}

const field = (name: string, value: string) => ({
  headers: [`Content-Disposition: form-data; name="${name}"`],
  body: value,
});
const file = (name: string, filename: string, body: string | Buffer, type?: string) => ({
  headers: [
    `Content-Disposition: form-data; name="${name}"; filename="${filename}"`,
    ...(type ? [`Content-Type: ${type}`] : []),
  ],
  body,
});

/** The body delivered in pieces of `size` bytes, as a slow client would send it. */
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(data: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readAllParts(
  body: Buffer,
  size: number,
): Promise<{ headers: MimePart['headers']; data: string }[]> {
  const out = [];
  for await (const part of readMultipart(chunked(body, size), BOUNDARY))
    out.push({ headers: part.headers, data: (await collect(part.body)).toString('latin1') });
  return out;
}

describe('readMultipart', () => {
  const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  // Data that looks like the delimiter without being it.
  const tricky = `line\r\n--${BOUNDARY.slice(0, -1)}X\r\n--\r\nend`;
  const body = form([
    field('redirect', 'https://example.com/done'),
    file('file1', 'a.bin', binary, 'application/octet-stream'),
    file('file2', 'b.txt', tricky),
  ]);

  it('yields every part with its headers and exact bytes, whatever the chunk size', async () => {
    for (const size of [1, 2, 7, BOUNDARY.length + 3, 512, body.length]) {
      const parts = await readAllParts(body, size);
      expect(parts.map((p) => p.headers['content-disposition'])).toEqual([
        'form-data; name="redirect"',
        'form-data; name="file1"; filename="a.bin"',
        'form-data; name="file2"; filename="b.txt"',
      ]);
      expect(parts[0]!.data).toBe('https://example.com/done');
      expect(Buffer.from(parts[1]!.data, 'latin1').equals(binary)).toBe(true);
      expect(parts[1]!.headers['content-type']).toBe('application/octet-stream');
      expect(parts[2]!.data).toBe(tricky);
    }
  });

  it('skips blank lines before the first boundary and parts the reader leaves unread', async () => {
    const withPreamble = Buffer.concat([Buffer.from('\r\n\r\n'), body]);
    const names: string[] = [];
    for await (const part of readMultipart(chunked(withPreamble, 5), BOUNDARY)) {
      names.push(parseDisposition(part.headers['content-disposition']!).attributes.name!);
      // read nothing of the body: the reader must pass over it
    }
    expect(names).toEqual(['redirect', 'file1', 'file2']);
  });

  it('refuses a body that does not start with the boundary', async () => {
    const bad = Buffer.from(`--other\r\n${body.toString('latin1')}`, 'latin1');
    await expect(readAllParts(bad, 64)).rejects.toThrow(
      new MultipartError('invalid starting boundary'),
    );
    await expect(readAllParts(Buffer.alloc(0), 64)).rejects.toThrow('invalid starting boundary');
    const longLine = Buffer.from(`--${BOUNDARY}${'x'.repeat(10_000)}\r\n`);
    await expect(readAllParts(longLine, 64)).rejects.toThrow('invalid starting boundary');
  });

  it('refuses a form cut short inside a part or its headers', async () => {
    const cut = body.subarray(0, body.length - 40);
    await expect(readAllParts(cut, 100)).rejects.toThrow('unexpected end of form data');
    const inHeaders = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data`);
    await expect(readAllParts(inHeaders, 100)).rejects.toThrow(MultipartError);
  });

  it('limits header lines and their number', async () => {
    const longHeader = Buffer.from(
      `--${BOUNDARY}\r\nX-Long: ${'y'.repeat(9000)}\r\n\r\ndata\r\n--${BOUNDARY}--\r\n`,
    );
    await expect(readAllParts(longHeader, 1000)).rejects.toThrow('mime header line too long');
    const many = Array.from({ length: 70 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const manyHeaders = Buffer.from(`--${BOUNDARY}\r\n${many}\r\n\r\nd\r\n--${BOUNDARY}--\r\n`);
    await expect(readAllParts(manyHeaders, 1000)).rejects.toThrow('too many mime headers');
  });

  it('stops at the closing boundary and ignores what follows', async () => {
    const parts = await readAllParts(form([field('a', '1')], '\r\nepilogue junk'), 3);
    expect(parts).toHaveLength(1);
  });
});

describe('form headers', () => {
  it('splits Content-Disposition as Swift does', () => {
    expect(parseDisposition('form-data; name="file1"; filename="my cat.jpg"')).toEqual({
      value: 'form-data',
      attributes: { name: 'file1', filename: 'my cat.jpg' },
    });
    expect(parseDisposition('form-data;name=plain')).toEqual({
      value: 'form-data',
      attributes: { name: 'plain' },
    });
    expect(parseDisposition('attachment')).toEqual({ value: 'attachment', attributes: {} });
  });

  it('finds the boundary of multipart/form-data bodies only', () => {
    expect(formBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(formBoundary('multipart/form-data; boundary="quoted"')).toBe('quoted');
    expect(formBoundary('multipart/form-data')).toBeUndefined();
    expect(formBoundary('application/x-www-form-urlencoded')).toBeUndefined();
    expect(formBoundary(undefined)).toBeUndefined();
  });
});

describe('form signature', () => {
  const fields = new Map([
    ['redirect', 'https://srv.com/page'],
    ['max_file_size', '104857600'],
    ['max_file_count', '10'],
    ['expires', '1323479485'],
    // hmac.new(b'mykey', b'/v1/AUTH_test/c/pre\nhttps://srv.com/page\n104857600\n10\n1323479485', sha256)
    ['signature', 'cfc584132af3df830ad0e329a338fd63a086bc4b3120b269c94e5b7f5ab5ef1d'],
  ]);
  const now = 1323479000;
  const digests = ['sha1', 'sha256', 'sha512'] as const;

  it('accepts a form signed with any of the keys', () => {
    expect(() =>
      checkFormSignature('/v1/AUTH_test/c/pre', fields, ['other', 'mykey'], digests, now),
    ).not.toThrow();
  });

  it('signs non-ASCII paths and keys as UTF-8', () => {
    const unicode = new Map([
      ['max_file_size', '10'],
      ['max_file_count', '1'],
      ['expires', '1323479485'],
      // hmac.new('këy'.encode(), '/v1/AUTH_test/c/ünï cødé\n\n10\n1\n1323479485'.encode(), sha1)
      ['signature', '4ca65b82f218489455acfcc0cb4d0d8cf2d4c431'],
    ]);
    expect(() =>
      checkFormSignature('/v1/AUTH_test/c/ünï cødé', unicode, ['këy'], digests, now),
    ).not.toThrow();
  });

  const refusal = (fn: () => void): { kind: string; message: string } => {
    try {
      fn();
    } catch (err) {
      if (err instanceof FormError) return { kind: err.kind, message: err.message };
      throw err;
    }
    throw new Error('not refused');
  };

  it('refuses other paths, other fields, no keys, expired forms and other digests', () => {
    const invalid = { kind: 'unauthorized', message: 'invalid signature' };
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pr', fields, ['mykey'], digests, now)),
    ).toEqual(invalid);
    const bigger = new Map(fields).set('max_file_size', '104857601');
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pre', bigger, ['mykey'], digests, now)),
    ).toEqual(invalid);
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pre', fields, [], digests, now)),
    ).toEqual(invalid);
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pre', fields, ['mykey'], ['sha512'], now)),
    ).toEqual(invalid);
    expect(
      refusal(() =>
        checkFormSignature('/v1/AUTH_test/c/pre', fields, ['mykey'], digests, 1323479486),
      ),
    ).toEqual({ kind: 'unauthorized', message: 'form expired' });
    const noExpiry = new Map(fields);
    noExpiry.delete('expires');
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pre', noExpiry, ['mykey'], digests, now)),
    ).toEqual({
      kind: 'unauthorized',
      message: 'form expired',
    });
    const wordy = new Map(fields).set('expires', 'tomorrow');
    expect(
      refusal(() => checkFormSignature('/v1/AUTH_test/c/pre', wordy, ['mykey'], digests, now)),
    ).toEqual({
      kind: 'invalid',
      message: 'expired not an integer',
    });
  });
});

describe('max_file_size', () => {
  it('passes a file of exactly the limit and stops one byte over it', async () => {
    const exact = new CappedBody(chunked(Buffer.alloc(100, 1), 30), 100);
    expect((await collect(exact.chunks())).length).toBe(100);
    expect(exact.exceeded).toBe(false);
    const over = new CappedBody(chunked(Buffer.alloc(101, 1), 30), 100);
    await expect(collect(over.chunks())).rejects.toThrow('max_file_size exceeded');
    expect(over.exceeded).toBe(true);
  });

  it('remembers a malformed form met while streaming a file', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('abc');
      throw new MultipartError('unexpected end of form data');
    }
    const capped = new CappedBody(broken(), 1000);
    await expect(collect(capped.chunks())).rejects.toThrow(MultipartError);
    expect(capped.malformed).toBeInstanceOf(MultipartError);
  });
});

describe('names and answers', () => {
  it('appends the file name to the container or the prefix', () => {
    expect(uploadPath('/v1/AUTH_test/c', 'cat.jpg')).toBe('/v1/AUTH_test/c/cat.jpg');
    expect(uploadPath('/v1/AUTH_test/c/', 'cat.jpg')).toBe('/v1/AUTH_test/c/cat.jpg');
    expect(uploadPath('/v1/AUTH_test/c/pre_', 'cat.jpg')).toBe('/v1/AUTH_test/c/pre_cat.jpg');
    expect(uploadPath('/v1/AUTH_test/c/dir/', 'a/b.txt')).toBe('/v1/AUTH_test/c/dir/a/b.txt');
  });

  it('keeps field values as Swift does (trailing CR, LF and dashes dropped)', () => {
    expect(fieldValue(Buffer.from('10\r\n'))).toBe('10');
    expect(fieldValue(Buffer.from('a-b--'))).toBe('a-b');
  });

  it('answers with the status as text, or a 303 to the redirect with status and message', () => {
    expect(formAnswer(undefined, 201, '', undefined, {})).toEqual({
      status: 201,
      headers: { 'Content-Type': 'text/plain' },
      body: '201 Created',
    });
    expect(formAnswer(undefined, 400, 'max file count exceeded', undefined, {}).body).toBe(
      '400 Bad Request\r\nFormPost: Max File Count Exceeded',
    );
    expect(formAnswer(undefined, 404, '', Buffer.from('<html>nope</html>'), {}).body).toEqual(
      Buffer.from('<html>nope</html>'),
    );
    const redirect = formAnswer(
      'https://x.example/done?a=1',
      400,
      'max file count exceeded',
      undefined,
      {
        'Access-Control-Allow-Origin': '*',
      },
    );
    expect(redirect.status).toBe(303);
    expect(redirect.headers).toMatchObject({
      Location: 'https://x.example/done?a=1&status=400&message=max%20file%20count%20exceeded',
      'Access-Control-Allow-Origin': '*',
    });
    expect(redirect.body).toBe(
      '<html><body><p><a href="https://x.example/done?a=1&amp;status=400&amp;message=max%20file%20count%20exceeded">Click to continue...</a></p></body></html>',
    );
    expect(statusLine(413)).toBe('413 Request Entity Too Large');
    expect(statusLine(202)).toBe('202 Accepted');
  });
});
