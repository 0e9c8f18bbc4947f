/**
 * A streaming reader of `multipart/form-data` bodies (RFC 7578), for FormPost: parts come one
 * at a time, each with its headers and a body that is read straight from the client, so a
 * file of any size passes through in small pieces and only one part is ever in memory.
 *
 * Swift's reader is followed where browsers and Swift's own tests rely on it: blank lines
 * before the first boundary are skipped, the first non-blank line must be the boundary
 * ("invalid starting boundary" otherwise), and the closing `--boundary--` ends the form.
 */

/** A body that is not well-formed multipart: FormPost answers 400. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface MimePart {
  /** Lower-case names; values decoded as UTF-8. */
  headers: Record<string, string>;
  /**
   * The part's data. It must be read to the end, or abandoned for good (the form is then done
   * with), before the next part is asked for.
   */
  body: AsyncIterable<Buffer>;
}

/** Longest header line, and most header lines, a part may have. */
const MAX_HEADER_LINE = 8192;
const MAX_HEADER_LINES = 64;

class BufferedSource {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  get buffered(): Buffer {
    return this.buffer;
  }

  /** Reads one more chunk from the client; false at the end of the body. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const step = await this.source.next();
    if (step.done) {
      this.ended = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? step.value : Buffer.concat([this.buffer, step.value]);
    return true;
  }

  take(count: number): Buffer {
    const head = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return head;
  }

  /** One line without its CRLF (or LF), or undefined at the end of the body. */
  async line(max: number): Promise<string | undefined> {
    for (;;) {
      const newline = this.buffer.indexOf(0x0a);
      if (newline >= 0) {
        if (newline > max) throw new MultipartError('mime header line too long');
        const line = this.take(newline + 1).toString('utf8');
        return line.replace(/\r?\n$/, '');
      }
      if (this.buffer.length > max) throw new MultipartError('mime header line too long');
      if (!(await this.fill())) {
        if (this.buffer.length === 0) return undefined;
        return this.take(this.buffer.length).toString('utf8');
      }
    }
  }
}

export async function* readMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
): AsyncGenerator<MimePart> {
  const input = new BufferedSource(source[Symbol.asyncIterator]());
  const firstLine = async () => {
    try {
      return await input.line(boundary.length + 4);
    } catch (err) {
      if (err instanceof MultipartError) return undefined; // longer than any boundary line
      throw err;
    }
  };
  let first = await firstLine();
  while (first === '') first = await firstLine();
  if (first === undefined || first.trim() !== `--${boundary}`)
    throw new MultipartError('invalid starting boundary');

  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let partDone: boolean;

  /** Yields the part's bytes up to the next delimiter, keeping back what could start one. */
  async function* partBody(): AsyncGenerator<Buffer> {
    for (;;) {
      const at = input.buffered.indexOf(delimiter);
      if (at >= 0) {
        const last = input.take(at);
        input.take(delimiter.length);
        partDone = true;
        if (last.length > 0) yield last;
        return;
      }
      const safe = input.buffered.length - (delimiter.length - 1);
      if (safe > 0) yield input.take(safe);
      if (!(await input.fill())) throw new MultipartError('unexpected end of form data');
    }
  }

  // The starting boundary's line is read whole; later delimiters are found mid-line.
  let afterDelimiter = false;
  for (;;) {
    if (afterDelimiter) {
      // What follows a delimiter: `--` ends the form, otherwise the line's end (or padding).
      while (input.buffered.length < 2) {
        if (!(await input.fill())) throw new MultipartError('unexpected end of form data');
      }
      if (input.buffered[0] === 0x2d && input.buffered[1] === 0x2d) return;
      const padding = await input.line(MAX_HEADER_LINE);
      if (padding === undefined || padding.trim() !== '')
        throw new MultipartError('invalid multipart boundary line');
    }
    afterDelimiter = true;

    const headers: Record<string, string> = {};
    for (let count = 0; ; count++) {
      if (count > MAX_HEADER_LINES) throw new MultipartError('too many mime headers');
      const line = await input.line(MAX_HEADER_LINE);
      if (line === undefined) throw new MultipartError('unexpected end of form data');
      if (line === '') break;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new MultipartError('invalid mime header');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }

    partDone = false;
    yield { headers, body: partBody() };
    // The consumer skipped (part of) a part: pass over the rest of it.
    if (!partDone) for await (const chunk of partBody()) void chunk;
  }
}

/**
 * A Content-Disposition (or Content-Type) value split as Swift's parse_content_disposition:
 * the leading token, then `name=value` or `name="value"` attributes (quotes dropped, nothing
 * unescaped).
 */
export function parseDisposition(header: string): {
  value: string;
  attributes: Record<string, string>;
} {
  const semicolon = header.indexOf(';');
  if (semicolon < 0) return { value: header.trim(), attributes: {} };
  const value = header.slice(0, semicolon).trim();
  let rest = header.slice(semicolon + 1).trim();
  const attributes: Record<string, string> = {};
  const pattern = /^([\p{L}\p{N}_]+)=(".*?"|[^";]+)(; ?|$)/u;
  for (let match = pattern.exec(rest); match; match = pattern.exec(rest)) {
    attributes[match[1]!] = match[2]!.replace(/^"+|"+$/g, '');
    rest = rest.slice(match[0].length);
    if (match[0].length === 0) break;
  }
  return { value, attributes };
}

/** The boundary of a `multipart/form-data` request, or undefined for any other body. */
export function formBoundary(contentType: string | undefined): string | undefined {
  const { value, attributes } = parseDisposition(contentType ?? '');
  if (value.toLowerCase() !== 'multipart/form-data') return undefined;
  return attributes.boundary || undefined;
}
