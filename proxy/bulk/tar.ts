/**
 * A streaming tar reader for extract-archive: ustar, GNU and POSIX pax archives, read member
 * by member from an async stream of chunks without ever holding more than one chunk and one
 * header. It reads what Swift's bulk middleware reads through Python's tarfile in stream mode:
 * regular files with their names (ustar prefix, GNU long names, pax `path`), sizes (octal or
 * base-256, pax `size`) and pax records (where xattrs such as `SCHILY.xattr.user.meta.*`
 * live); other members are listed so they can be skipped.
 *
 * Why not tar-stream: its entries are streamx streams that do not compose with Node's
 * streams, and destroying one entry (as a failed upload does) destroys the whole extraction.
 * The format part Swift needs is small and is unit-tested against tar-stream's packer.
 */

/** A malformed archive (reported as `400 Invalid Tar File: <message>`, as Swift does). */
export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

export type TarKind = 'file' | 'directory' | 'link' | 'other';

export interface TarEntry {
  kind: TarKind;
  /** The member's name as stored (bytes: ustar names need not be UTF-8). */
  name: Buffer;
  /** Bytes of data (0 for directories and links). */
  size: number;
  /** Pax records for this member, global ones included (raw values, UTF-8 by the standard). */
  pax: Map<string, Buffer>;
  /**
   * The member's data. Read it before asking for the next member, or leave it: the reader
   * skips whatever is left. Ends early with a TarError when the archive is cut short.
   */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const EMPTY = Buffer.alloc(0);
const READ_SIZE = 64 * 1024;
/** Pax and GNU long-name records bigger than this are refused (tarfile has no limit; we must). */
const MAX_EXTENDED_HEADER = 1024 * 1024;

const REGULAR = new Set(['0', '\0', '7']);
const LINKS = new Set(['1', '2']);
/** Types whose size field does not announce data (Python's SUPPORTED_TYPES minus regular files). */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * Reads bytes from an async iterator. Every operation runs in turn (a member's body and the
 * reader skipping past it never interleave), and a failure sticks: every later read throws it.
 */
class ByteSource {
  private pending: Buffer = EMPTY;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly iterator: AsyncIterator<Buffer>) {}

  /** Runs `task` once every earlier task has finished. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async fill(): Promise<boolean> {
    if (this.failure) throw this.failure.error;
    if (this.ended) return false;
    let step: IteratorResult<Buffer>;
    try {
      step = await this.iterator.next();
    } catch (error) {
      this.failure = { error };
      throw error;
    }
    if (step.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(step.value) ? step.value : Buffer.from(step.value);
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    return true;
  }

  /** Up to `max` bytes (at least one), or an empty buffer at the end of input. Call inside run(). */
  async some(max: number): Promise<Buffer> {
    if (this.pending.length === 0 && !(await this.fill())) return EMPTY;
    const out = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  /** Exactly `n` bytes, or fewer at the end of input. Call inside run(). */
  async exactly(n: number): Promise<Buffer> {
    while (this.pending.length < n) if (!(await this.fill())) break;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    return Buffer.from(out);
  }

  /** Skips `n` bytes; false when the input ends first. Call inside run(). */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      const chunk = await this.some(Math.min(left, READ_SIZE));
      if (chunk.length === 0) return false;
      left -= chunk.length;
    }
    return true;
  }
}

interface Header {
  name: Buffer;
  size: number;
  type: string;
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** NUL-terminated field. */
function field(block: Buffer, start: number, length: number): Buffer {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return nul < 0 ? raw : raw.subarray(0, nul);
}

/** A numeric field: octal text, or base-256 when the top bit of the first byte is set (GNU). */
export function parseNumber(raw: Buffer): number {
  const first = raw[0] ?? 0;
  if (first === 0x80 || first === 0xff) {
    let value = first === 0xff ? -1 : 0;
    for (let i = 1; i < raw.length; i++) value = value * 256 + raw[i]!;
    if (!Number.isSafeInteger(value)) throw new TarError('invalid header');
    return value;
  }
  const text = field(raw, 0, raw.length).toString('latin1').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError('invalid header');
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumber(block.subarray(148, 156));
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += block[i]!;
    signed += block[i]! > 127 ? block[i]! - 256 : block[i]!;
  }
  return stored === unsigned || stored === signed;
}

function parseHeader(block: Buffer): Header {
  if (!checksumOk(block)) throw new TarError('bad checksum');
  let type = String.fromCharCode(block[156]!);
  const size = parseNumber(block.subarray(124, 136));
  if (size < 0) throw new TarError('invalid header');
  let name = field(block, 0, 100);
  // POSIX ustar ("ustar\0" + "00") keeps long names' directories in the prefix field.
  if (block.subarray(257, 265).equals(Buffer.from('ustar\x0000', 'latin1'))) {
    const prefix = field(block, 345, 155);
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
  }
  if (type === '\0' && name.at(-1) === 0x2f) type = '5';
  return { name: Buffer.from(name), size, type };
}

/** Pax extended header records: `<length> <key>=<value>\n`. */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const lengthText = space < 0 ? '' : data.subarray(pos, space).toString('latin1');
    if (!/^\d+$/.test(lengthText)) {
      if (data.subarray(pos).every((byte) => byte === 0)) break;
      throw new TarError('invalid header');
    }
    const length = Number(lengthText);
    const end = pos + length;
    const equals = data.indexOf(0x3d, space + 1);
    if (length === 0 || end > data.length || equals < 0 || equals >= end || data[end - 1] !== 0x0a)
      throw new TarError('invalid header');
    const key = data.subarray(space + 1, equals).toString('utf8');
    records.set(key, Buffer.from(data.subarray(equals + 1, end - 1)));
    pos = end;
  }
  return records;
}

function kindOf(type: string): TarKind {
  if (REGULAR.has(type)) return 'file';
  if (type === '5') return 'directory';
  if (LINKS.has(type)) return 'link';
  return 'other';
}

/**
 * The archive's members, one at a time. Throws TarError for a malformed archive (Python's
 * messages: `bad checksum`, `invalid header`, `unexpected end of data`, …) and passes on
 * whatever the chunk source throws (client timeouts, decompression errors).
 */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const source = new ByteSource(chunks[Symbol.asyncIterator]());
  let globalPax = new Map<string, Buffer>();
  let localPax: Map<string, Buffer> | undefined;
  let longName: Buffer | undefined;
  let first = true;
  const extended = async (size: number): Promise<Buffer> => {
    if (size > MAX_EXTENDED_HEADER) throw new TarError('extended header too large');
    const data = await source.run(() => source.exactly(size));
    const skipped = await source.run(() => source.skip(padding(size)));
    if (data.length < size || !skipped) throw new TarError('unexpected end of data');
    return data;
  };
  for (;;) {
    const block = await source.run(() => source.exactly(BLOCK));
    if (block.length === 0) {
      if (first) throw new TarError('empty file');
      return; // archives cut right after a member still list what they hold, as tarfile does
    }
    if (block.length < BLOCK)
      throw new TarError(first ? 'truncated header' : 'unexpected end of data');
    if (block.every((byte) => byte === 0)) {
      if (first) throw new TarError('end of file header');
      return;
    }
    const header = parseHeader(block);
    first = false;
    if (header.type === 'x' || header.type === 'X') {
      localPax = parsePax(await extended(header.size));
      continue;
    }
    if (header.type === 'g') {
      globalPax = new Map([...globalPax, ...parsePax(await extended(header.size))]);
      continue;
    }
    if (header.type === 'L') {
      const data = await extended(header.size);
      const nul = data.indexOf(0);
      longName = nul < 0 ? data : data.subarray(0, nul);
      continue;
    }
    if (header.type === 'K') {
      await extended(header.size);
      continue;
    }
    const pax = new Map([...globalPax, ...(localPax ?? [])]);
    localPax = undefined;
    let name = longName ?? header.name;
    longName = undefined;
    const paxPath = pax.get('path');
    if (paxPath !== undefined) name = paxPath;
    let size = header.size;
    const paxSize = pax.get('size')?.toString('latin1');
    if (paxSize !== undefined) {
      if (!/^\d+$/.test(paxSize)) throw new TarError('invalid header');
      size = Number(paxSize);
    }
    if (NO_DATA.has(header.type)) size = 0;
    const member = new Member(source, size);
    yield { kind: kindOf(header.type), name, size, pax, body: member };
    await member.close();
  }
}

/** One member's data, read through the shared source. */
class Member implements AsyncIterable<Buffer> {
  private remaining: number;
  private closed = false;

  constructor(
    private readonly source: ByteSource,
    private readonly size: number,
  ) {
    this.remaining = size;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () =>
        this.source.run(async (): Promise<IteratorResult<Buffer>> => {
          if (this.closed || this.remaining === 0) return { done: true, value: undefined };
          const chunk = await this.source.some(Math.min(this.remaining, READ_SIZE));
          if (chunk.length === 0) throw new TarError('unexpected end of data');
          this.remaining -= chunk.length;
          return { done: false, value: chunk };
        }),
    };
  }

  /** Skips what the consumer left of the data, and the padding after it. */
  close(): Promise<void> {
    return this.source.run(async () => {
      this.closed = true;
      const left = this.remaining + padding(this.size);
      this.remaining = 0;
      if (!(await this.source.skip(left))) throw new TarError('unexpected end of data');
    });
  }
}
