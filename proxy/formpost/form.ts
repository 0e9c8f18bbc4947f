/**
 * FormPost's rules for one form, apart from HTTP: the fields a file upload reads, the signed
 * text and its check, the object name each file gets, and the answer the browser is sent.
 */
import { STATUS_CODES } from 'node:http';
import { statusText } from '../../common/http-status.js';
import {
  formPostMessage,
  hmacHex,
  parseSignature,
  pythonInt,
  sameSignature,
  type Digest,
} from '../tempurl/signature.js';
import { escapeHtml, quote, titleWords } from '../web-quoting.js';
import { MultipartError } from './multipart.js';

/** Longest field value kept; the rest is read and dropped (Swift's MAX_VALUE_LENGTH). */
export const MAX_VALUE_LENGTH = 4096;

/** A form FormPost refuses: 400 (`invalid`) or 401 (`unauthorized`), with Swift's words. */
export class FormError extends Error {
  override name = 'FormError';
  constructor(
    readonly kind: 'invalid' | 'unauthorized',
    message: string,
  ) {
    super(message);
  }
}

/** A field's value as FormPost keeps it: trailing CR, LF and `-` dropped, as Swift does. */
export function fieldValue(data: Buffer): string {
  return data.toString('utf8').replace(/[\r\n-]+$/, '');
}

/** An integer field (missing or empty reads as 0); 400 with `message` when not an integer. */
export function intField(
  fields: ReadonlyMap<string, string>,
  name: string,
  message: string,
): number {
  const text = fields.get(name) || '0';
  const value = pythonInt(text);
  if (value === undefined) throw new FormError('invalid', message);
  return value;
}

/**
 * Checks the form's signature for one of the keys: refuses (401) a form without keys, past
 * its `expires`, or signed with anything else (400 when `expires` is not a number).
 */
export function checkFormSignature(
  path: string,
  fields: ReadonlyMap<string, string>,
  keys: readonly string[],
  allowedDigests: readonly Digest[],
  nowSeconds: number,
): void {
  if (keys.length === 0) throw new FormError('unauthorized', 'invalid signature');
  const expires = intField(fields, 'expires', 'expired not an integer');
  if (expires < nowSeconds) throw new FormError('unauthorized', 'form expired');
  const message = formPostMessage({
    path,
    redirect: fields.get('redirect') || '',
    maxFileSize: fields.get('max_file_size') || '0',
    maxFileCount: fields.get('max_file_count') || '0',
    expires: fields.get('expires') || '0',
  });
  const signature = parseSignature(fields.get('signature') ?? '');
  if (!signature || !allowedDigests.includes(signature.algorithm as Digest))
    throw new FormError('unauthorized', 'invalid signature');
  let valid = false;
  // Every key is tried, so the time taken says nothing about which one came close.
  for (const key of keys) {
    if (sameSignature(signature.hex, hmacHex(key, message, signature.algorithm as Digest)))
      valid = true;
  }
  if (!valid) throw new FormError('unauthorized', 'invalid signature');
}

/**
 * The object a file becomes: the form's path, a `/` after a bare container, then the file's
 * name — so `/v1/a/c/pre_` with `cat.jpg` is `pre_cat.jpg` and `/v1/a/c` gives `cat.jpg`.
 */
export function uploadPath(formPath: string, filename: string): string {
  const slashes = formPath.split('/').length - 1;
  const base = !formPath.endsWith('/') && slashes < 4 ? `${formPath}/` : formPath;
  return base + (filename || 'filename');
}

/** `201 Created`, `400 Bad Request`: Swift's status line. */
export function statusLine(status: number): string {
  const swift = statusText(status);
  return `${status} ${swift !== 'Unknown' ? swift : (STATUS_CODES[status] ?? 'Unknown')}`;
}

export interface FormAnswer {
  status: number;
  headers: Record<string, string | number>;
  body: string | Buffer;
}

/**
 * The answer to the browser: a 303 to `redirect` with `status` and `message` added to its
 * query, or — without a redirect — the status line (and message) as text, or the failed
 * upload's own body.
 */
export function formAnswer(
  redirect: string | undefined,
  status: number,
  message: string,
  failedBody: Buffer | undefined,
  extraHeaders: Record<string, string>,
): FormAnswer {
  if (!redirect) {
    let body: string | Buffer = statusLine(status);
    if (message) body += `\r\nFormPost: ${titleWords(message)}`;
    if ((status < 200 || status >= 300) && failedBody && failedBody.length > 0) body = failedBody;
    return { status, headers: { ...extraHeaders, 'Content-Type': 'text/plain' }, body };
  }
  const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${quote(String(status))}&message=${quote(message)}`;
  return {
    status: 303,
    headers: { ...extraHeaders, Location: location, 'Content-Type': 'text/html; charset=UTF-8' },
    body: `<html><body><p><a href="${escapeHtml(location)}">Click to continue...</a></p></body></html>`,
  };
}

/** The file's bytes, stopped with an error once there are more than `max` of them. */
export class CappedBody {
  exceeded = false;
  malformed: MultipartError | undefined;

  constructor(
    private readonly data: AsyncIterable<Buffer>,
    private readonly max: number,
  ) {}

  async *chunks(): AsyncGenerator<Buffer> {
    let received = 0;
    try {
      for await (const chunk of this.data) {
        received += chunk.length;
        if (received > this.max) {
          this.exceeded = true;
          throw new Error('max_file_size exceeded');
        }
        yield chunk;
      }
    } catch (err) {
      if (err instanceof MultipartError) this.malformed = err;
      throw err;
    }
  }
}
