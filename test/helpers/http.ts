/** Small HTTP helpers for tests: a request that returns status, headers and the whole body. */
import { Readable } from 'node:stream';
import { request } from 'undici';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export async function http(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer | Iterable<Buffer> | AsyncIterable<Buffer> | null;
  } = {},
): Promise<Reply> {
  const response = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers,
    body:
      options.body === undefined ||
      options.body === null ||
      typeof options.body === 'string' ||
      Buffer.isBuffer(options.body)
        ? (options.body ?? null)
        : Readable.from(options.body),
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, body, text: body.toString('utf8') };
}

/** Swift-style timestamp for "now" plus an offset in seconds. */
export function ts(offsetSeconds = 0): string {
  return (Date.now() / 1000 + offsetSeconds).toFixed(5).padStart(16, '0');
}
