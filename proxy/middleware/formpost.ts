/**
 * formpost: browser uploads straight into a container, Swift's FormPost. A `POST` of
 * `multipart/form-data` to `/v1/<account>/<container>[/<prefix>]` carries the fields
 * `redirect`, `max_file_size`, `max_file_count`, `expires` and `signature` (an HMAC of
 * `path\nredirect\nmax_file_size\nmax_file_count\nexpires` with a Temp-URL key), then files;
 * each file becomes the object `<prefix><filename>`, streamed through an object PUT
 * subrequest as it arrives. Fields after a file apply to later files only, as in Swift: the
 * form is never held in memory.
 *
 * A file over max_file_size stops the form with 400 and its upload is aborted, so nothing of
 * it is stored; files beyond max_file_count are refused (400) and not read. The answer is a
 * 303 to `redirect?status=<code>&message=<text>`, or the status as text without a redirect.
 *
 * Settings ([filter:formpost]): `allowed_digests` (sha1 sha256 sha512).
 */
import { Readable } from 'node:stream';
import { clientChunks } from '../../common/client-body.js';
import type { ProxyContext } from '../context.js';
import { statusOnly } from '../controllers/helpers.js';
import { errorBody } from '../../common/http-status.js';
import {
  CappedBody,
  checkFormSignature,
  fieldValue,
  formAnswer,
  FormError,
  intField,
  MAX_VALUE_LENGTH,
  uploadPath,
} from '../formpost/form.js';
import {
  formBoundary,
  MultipartError,
  parseDisposition,
  readMultipart,
} from '../formpost/multipart.js';
import { overrideAuthorizer } from '../identity.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { tempUrlKeys } from '../tempurl/keys.js';
import { readAllowedDigests, type Digest } from '../tempurl/signature.js';
import { titleWords } from '../web-quoting.js';
import type { FilterFactory } from './types.js';

export const formpost: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown(['use', 'allowed_digests']);
  const digests = readAllowedDigests(conf, ctx.logger);
  ctx.capabilities.formpost = {
    allowed_digests: digests.allowed,
    ...(digests.deprecated.length > 0 ? { deprecated_digests: digests.deprecated } : {}),
  };

  return async (req, next) => {
    if (req.method !== 'POST') return next(req);
    const boundary = formBoundary(req.headers['content-type']);
    if (boundary === undefined) return next(req);
    req.continueBody();
    const body = clientChunks(req.body, {
      timeoutSeconds: ctx.config.clientTimeout,
      length: undefined,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    try {
      return await translateForm(ctx, req, next, body, boundary, digests.allowed);
    } catch (err) {
      if (err instanceof MultipartError) {
        // Swift's words for a bad first line; other malformed bodies say what was wrong.
        const text =
          err.message === 'invalid starting boundary'
            ? err.message
            : `invalid form: ${err.message}`;
        return textAnswer(400, `FormPost: ${text}`);
      }
      if (err instanceof FormError) {
        if (err.kind === 'invalid') return textAnswer(400, `FormPost: ${err.message}`);
        return { ...unauthorized(), body: `FormPost: ${titleWords(err.message)}` };
      }
      throw err;
    } finally {
      // Whatever the form left unread (files past a refusal) is read and dropped, as Node
      // does for bodies nobody reads: the connection then stays usable for the next request.
      void drain(body);
    }
  };
};

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  try {
    for await (const chunk of body) void chunk;
  } catch {
    // a client that stops sending or goes away: nothing left to drop
  }
}

function textAnswer(status: number, body: string): ProxyResponse {
  return { status, headers: { 'Content-Type': 'text/plain' }, body };
}

function unauthorized(): ProxyResponse {
  return { status: 401, headers: { 'Content-Type': errorBody(401, undefined).contentType } };
}

interface UploadResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

async function translateForm(
  ctx: ProxyContext,
  req: ProxyRequest,
  next: App,
  body: AsyncIterable<Buffer>,
  boundary: string,
  allowedDigests: readonly Digest[],
): Promise<ProxyResponse> {
  const formPath = decodePath(req.rawPath);
  let keys: Promise<string[]> | undefined;
  const loadKeys = () => (keys ??= formKeys(ctx, req, formPath));
  const fields = new Map<string, string>();
  let status: number | undefined;
  let message = '';
  let last: UploadResult | undefined;
  let files = 0;

  for await (const part of readMultipart(body, boundary)) {
    const disposition = parseDisposition(part.headers['content-disposition'] ?? '');
    const filename = disposition.attributes.filename;
    if (disposition.value === 'form-data' && filename) {
      files += 1;
      if (files > intField(fields, 'max_file_count', 'max_file_count not an integer')) {
        status = 400;
        message = 'max file count exceeded';
        break;
      }
      const fileFields = new Map(fields);
      fileFields.set('filename', filename);
      for (const name of ['content-type', 'content-encoding']) {
        const value = part.headers[name];
        if (!fields.has(name) && value !== undefined)
          fileFields.set(
            name,
            value || (name === 'content-type' ? 'application/octet-stream' : ''),
          );
      }
      last = await upload(req, next, {
        formPath: formPath ?? '',
        fields: fileFields,
        keys: await loadKeys(),
        data: part.body,
        allowedDigests,
      });
      status = last.status;
      if (status < 200 || status >= 300) break;
    } else {
      const value = await readField(part.body);
      const name = disposition.attributes.name;
      if (name !== undefined) fields.set(name.toLowerCase(), value);
    }
  }
  if (status === undefined) {
    status = 400;
    message = 'no files to process';
  }
  const cors: Record<string, string> = {};
  for (const [name, value] of Object.entries(last?.headers ?? {}))
    if (name.toLowerCase().startsWith('access-control')) cors[name] = value;
  return formAnswer(fields.get('redirect'), status, message, last?.body, cors);
}

/** The whole path, decoded; undefined when it is not valid UTF-8 (no keys, so 401). */
function decodePath(rawPath: string): string | undefined {
  try {
    const path = decodeURIComponent(rawPath);
    return path.includes('\0') || !path.isWellFormed() ? undefined : path;
  } catch {
    return undefined;
  }
}

/** The Temp-URL keys for a form posted to `/v1/<account>/<container>[/…]`; none elsewhere. */
async function formKeys(
  ctx: ProxyContext,
  req: ProxyRequest,
  path: string | undefined,
): Promise<string[]> {
  const parts = path?.split('/') ?? [];
  if (parts.length < 4 || parts[0] !== '' || !['v1', 'v1.0'].includes(parts[1]!)) return [];
  const [account, container] = [parts[2], parts[3]];
  if (!account || !container) return [];
  return (await tempUrlKeys(ctx, req.txId, account, container)).map((scoped) => scoped.key);
}

/** A field's value: the first MAX_VALUE_LENGTH bytes kept, the rest read and dropped. */
async function readField(data: AsyncIterable<Buffer>): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of data) {
    if (size < MAX_VALUE_LENGTH) kept.push(chunk.subarray(0, MAX_VALUE_LENGTH - size));
    size += chunk.length;
  }
  return fieldValue(Buffer.concat(kept));
}

interface UploadPlan {
  formPath: string;
  fields: ReadonlyMap<string, string>;
  keys: readonly string[];
  data: AsyncIterable<Buffer>;
  allowedDigests: readonly Digest[];
}

/** Checks the form for this file (Swift's order of checks), then PUTs the file as it streams. */
async function upload(req: ProxyRequest, next: App, plan: UploadPlan): Promise<UploadResult> {
  const { fields } = plan;
  if (plan.keys.length === 0) throw new FormError('unauthorized', 'invalid signature');
  const maxFileSize = intField(fields, 'max_file_size', 'max_file_size not an integer');
  const headers: Record<string, string> = { 'transfer-encoding': 'chunked' };
  if (fields.has('x_delete_at')) {
    const at = intField(
      fields,
      'x_delete_at',
      'x_delete_at not an integer: Unix timestamp required.',
    );
    headers['x-delete-at'] = String(at);
  }
  if (fields.has('x_delete_after')) {
    const after = intField(
      fields,
      'x_delete_after',
      'x_delete_after not an integer: Number of seconds required.',
    );
    headers['x-delete-after'] = String(after);
  }
  if (fields.has('content-type'))
    headers['content-type'] = fields.get('content-type') || 'application/octet-stream';
  if (fields.has('content-encoding')) headers['content-encoding'] = fields.get('content-encoding')!;
  checkFormSignature(plan.formPath, fields, plan.keys, plan.allowedDigests, Date.now() / 1000);

  const object = uploadPath(plan.formPath, fields.get('filename') ?? '');
  const capped = new CappedBody(plan.data, maxFileSize);
  const body = Readable.from(capped.chunks(), { objectMode: false });
  // Its failures are read from `capped`; the PUT sees the stream end early and aborts.
  body.on('error', () => undefined);
  const sub = makeSubrequest(req, {
    method: 'PUT',
    path: object.split('/').map(encodeURIComponent).join('/'),
    headers,
    body,
    source: 'FP',
  });
  // The signature covers exactly this account: the PUT and what it leads to stay inside it.
  const account = plan.formPath.split('/')[2];
  overrideAuthorizer(sub, (_r, target) =>
    target.account === account ? undefined : statusOnly(401),
  );
  let response: ProxyResponse | undefined;
  let failure: unknown;
  try {
    response = await next(sub);
  } catch (err) {
    failure = err;
  }
  if (capped.exceeded) throw new FormError('invalid', 'max_file_size exceeded');
  if (capped.malformed) throw capped.malformed;
  if (!response) throw failure;
  return {
    status: response.status,
    headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
    body: await readAll(response.body),
  };
}

async function readAll(body: ProxyResponse['body']): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (!(body instanceof Readable)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
