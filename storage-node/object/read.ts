/**
 * Object GET and HEAD: headers from the metadata, conditional requests, ranges (single,
 * suffix, open-ended; several as multipart/byteranges), streamed from an open file handle so
 * a concurrent PUT cannot swap the file mid-read, with backpressure and flat memory.
 *
 * Damage is caught on the way: a data file whose size differs from its metadata is
 * quarantined and answered 404 (the proxy then reads another replica); a full GET whose MD5
 * does not match the ETag is quarantined and its last chunk withheld, so the client sees an
 * incomplete body rather than bad bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { evaluateConditions } from '../../common/conditional.js';
import { StratusError } from '../../common/errors.js';
import { contentRange, evaluateRange, type ByteRange } from '../../common/ranges.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest, BackendResponse, HeaderValues } from '../http/types.js';
import type { DiskFile, ObjectState } from './disk-file.js';
import { openDiskFile } from './locate.js';
import { DROP_WINDOW_BYTES, dropPageCache } from './page-cache.js';
import { isExpired } from './put.js';

type DataState = Extract<ObjectState, { kind: 'data' }>;

/**
 * Bytes per read of a larger object: fewer, bigger chunks through every stream on the way to
 * the client (Node's default is 64 KiB; 256 KiB served 1 MiB GETs faster, bench/README.md).
 */
const READ_CHUNK_BYTES = 256 * 1024;

/** Objects up to this size are read whole and verified before sending. */
const SMALL_OBJECT_BYTES = 64 * 1024;

export async function readObject(ctx: NodeContext, req: BackendRequest): Promise<BackendResponse> {
  const { diskFile } = openDiskFile(ctx, req);
  const state = await liveObject(diskFile);
  const handle = await open(state.dataPath, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new StratusError('NOT_FOUND', 'Not Found');
    throw err;
  });
  try {
    const size = (await handle.stat()).size;
    if (String(size) !== state.metadata['Content-Length']) {
      req.log.warn(
        { path: state.dataPath, size, expected: state.metadata['Content-Length'] },
        'quarantining object: size does not match metadata',
      );
      await handle.close();
      await diskFile.quarantine();
      throw new StratusError('NOT_FOUND', 'Not Found');
    }
    const headers = objectHeaders(state, size);
    const etag = state.metadata.ETag ?? '';
    const condition = evaluateConditions(req.headers, etag, Math.ceil(state.lastChange.seconds));
    if (condition !== 200) {
      await handle.close();
      const { 'Content-Length': _length, ...rest } = headers;
      return {
        status: condition,
        headers: condition === 304 ? rest : { ...rest, 'Content-Length': 0 },
      };
    }
    if (req.method === 'HEAD') {
      await handle.close();
      return { status: 200, headers };
    }
    const dropCache = size > ctx.config.object.keepCacheSize;
    return await respondWithBody(req, diskFile, handle, headers, size, etag, dropCache);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** The object's data state; 404 (with X-Backend-Timestamp when known) if it is gone or expired. */
export async function liveObject(diskFile: DiskFile): Promise<DataState> {
  const state = await diskFile.read();
  if (state.kind === 'data' && state.metadata.name === diskFile.name && !isExpired(state.metadata))
    return state;
  const headers: Record<string, string> = {};
  if (state.kind === 'deleted') headers['X-Backend-Timestamp'] = state.timestamp.internal;
  if (state.kind === 'data') headers['X-Backend-Timestamp'] = state.lastChange.internal;
  throw new StratusError('NOT_FOUND', 'Not Found', { headers });
}

function objectHeaders(state: DataState, size: number): HeaderValues {
  const headers: HeaderValues = {};
  for (const [key, value] of Object.entries(state.metadata)) {
    if (key === 'name' || key === 'X-Timestamp' || key === 'Content-Length') continue;
    headers[key] = value;
  }
  return {
    ...headers,
    'Content-Length': size,
    'Accept-Ranges': 'bytes',
    'Last-Modified': state.lastChange.httpDate,
    'X-Timestamp': state.lastChange.normal,
    'X-Backend-Timestamp': state.lastChange.internal,
    'X-Backend-Data-Timestamp': state.timestamp.internal,
  };
}

async function respondWithBody(
  req: BackendRequest,
  diskFile: DiskFile,
  handle: FileHandle,
  headers: HeaderValues,
  size: number,
  etag: string,
  dropCache: boolean,
): Promise<BackendResponse> {
  const range = evaluateRange(req.header('range'), size);
  if (range.kind === 'unsatisfiable') {
    void handle.close();
    throw new StratusError('RANGE_NOT_SATISFIABLE', 'Requested Range Not Satisfiable', {
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  if (range.kind === 'full' && size <= SMALL_OBJECT_BYTES) {
    // Small objects: one read, verified before a byte is sent, so rot is a clean 404.
    return readSmall(req, diskFile, handle, headers, size, etag);
  }
  if (range.kind === 'full') {
    const verifier = new EtagVerifier(etag, () => {
      req.log.warn({ hash: diskFile.hash }, 'quarantining object: data does not match its ETag');
      void diskFile.quarantine();
    });
    return { status: 200, headers, body: readFile(handle, { dropCache, into: verifier }) };
  }
  const contentType = String(headers['Content-Type'] ?? 'application/octet-stream');
  if (range.ranges.length === 1) {
    const only = range.ranges[0]!;
    return {
      status: 206,
      headers: {
        ...headers,
        'Content-Length': only.end - only.start + 1,
        'Content-Range': contentRange(only, size),
      },
      body: readFile(handle, { range: only, dropCache }),
    };
  }
  const boundary = randomBytes(16).toString('hex');
  const parts = range.ranges.map((r) => ({
    range: r,
    head: Buffer.from(
      `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${contentRange(r, size)}\r\n\r\n`,
    ),
  }));
  const tail = Buffer.from(`\r\n--${boundary}--`);
  const length =
    parts.reduce(
      (sum, p, i) => sum + (i > 0 ? 2 : 0) + p.head.length + p.range.end - p.range.start + 1,
      0,
    ) + tail.length;
  return {
    status: 206,
    headers: {
      ...headers,
      'Content-Type': `multipart/byteranges;boundary=${boundary}`,
      'Content-Length': length,
    },
    body: Readable.from(multipartBody(handle, parts, tail)),
  };
}

/**
 * Streams the file, or one range of it, through `into` when given; the stream closes the file.
 * With `dropCache`, what was read leaves the page cache every DROP_WINDOW_BYTES (page-cache.ts).
 */
function readFile(
  handle: FileHandle,
  options: { range?: ByteRange; dropCache: boolean; into?: Transform },
): Readable {
  const { range, dropCache } = options;
  const source = handle.createReadStream({
    start: range?.start,
    end: range?.end,
    autoClose: true,
    highWaterMark: READ_CHUNK_BYTES,
  });
  // Dropping needs the chunks as the source yields them, so it must be consumed from the start.
  const into = options.into ?? (dropCache ? new PassThrough() : undefined);
  if (!into) return source;
  source.once('error', (err) => into.destroy(err));
  // A client gone mid-body destroys `into`; pipe() would leave the source paused, file open.
  into.once('close', () => source.destroy());
  source.pipe(into);
  if (dropCache) dropBehind(source, handle.fd, range?.start ?? 0);
  return into;
}

/**
 * Drops what `source` has read from the page cache as it goes. Its listeners run in the source's
 * own events, so the file is still open: the stream closes it only after 'end'.
 */
function dropBehind(source: Readable, fd: number, start: number): void {
  let read = start;
  let dropped = start;
  source.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read - dropped < DROP_WINDOW_BYTES) return;
    dropPageCache(fd, dropped, read - dropped);
    dropped = read;
  });
  // To the end of the file: read-ahead may have cached more than a range asked for.
  source.once('end', () => dropPageCache(fd, dropped));
}

async function readSmall(
  req: BackendRequest,
  diskFile: DiskFile,
  handle: FileHandle,
  headers: HeaderValues,
  size: number,
  etag: string,
): Promise<BackendResponse> {
  try {
    const body = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(body, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    if (offset !== size || createHash('md5').update(body).digest('hex') !== etag) {
      req.log.warn({ hash: diskFile.hash }, 'quarantining object: data does not match its ETag');
      await diskFile.quarantine();
      throw new StratusError('NOT_FOUND', 'Not Found');
    }
    return { status: 200, headers, body };
  } finally {
    await handle.close();
  }
}

async function* multipartBody(
  handle: FileHandle,
  parts: { range: ByteRange; head: Buffer }[],
  tail: Buffer,
): AsyncGenerator<Buffer> {
  try {
    for (const [i, part] of parts.entries()) {
      if (i > 0) yield Buffer.from('\r\n');
      yield part.head;
      const stream = handle.createReadStream({
        start: part.range.start,
        end: part.range.end,
        autoClose: false,
      });
      const through = stream.pipe(new PassThrough());
      for await (const chunk of through) yield chunk as Buffer;
    }
    yield tail;
  } finally {
    await handle.close();
  }
}

/**
 * Passes data through while computing its MD5, holding back the last chunk until the end:
 * on a mismatch the stream errors instead of finishing, and `onMismatch` runs.
 */
class EtagVerifier extends Transform {
  private readonly md5 = createHash('md5');
  private held: Buffer | undefined;

  constructor(
    private readonly expected: string,
    private readonly onMismatch: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    if (this.md5.digest('hex') !== this.expected) {
      this.onMismatch();
      done(new StratusError('NOT_FOUND', 'object data does not match its ETag'));
      return;
    }
    done(null, this.held);
  }
}
