/**
 * The decompression extract-archive offers (`tar.gz`, `tar.bz2`), streamed: gzip with Node's
 * zlib, bzip2 with unbzip2-stream (pure JavaScript; Node has no bzip2). Corrupt input becomes
 * a TarError with Python tarfile's wording; errors of the source (client timeouts) pass as is.
 *
 * unbzip2-stream builds each bzip2 block's output in memory before handing it on: at most
 * 900 kB for ordinary data, more for long runs of one byte (bzip2's run-length stage), so
 * a `tar.bz2` upload costs more memory than a `tar.gz` one.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import unbzip2 from 'unbzip2-stream';
import { StratusError } from '../../common/errors.js';
import { TarError } from './tar.js';

export type Compression = '' | 'gz' | 'bz2';

/** The archive types of `?extract-archive=` (Swift strips dots: `.tar.gz.` works). */
export const ARCHIVE_TYPES: Record<string, Compression> = {
  tar: '',
  'tar.gz': 'gz',
  'tar.bz2': 'bz2',
};

export function decompressed(
  chunks: AsyncIterable<Buffer>,
  compression: Compression,
): AsyncIterable<Buffer> {
  if (compression === '') return chunks;
  const decoder = compression === 'gz' ? createGunzip() : bunzip2();
  // Errors surface through the decoder, which pipeline() destroys with the first one.
  pipeline(Readable.from(chunks), decoder).catch(() => undefined);
  return renameErrors(decoder, compression);
}

async function* renameErrors(
  decoder: AsyncIterable<Buffer>,
  compression: Compression,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of decoder) yield chunk;
  } catch (err) {
    if (err instanceof StratusError || err instanceof TarError) throw err;
    throw new TarError(compressionMessage(err, compression));
  }
}

function compressionMessage(err: unknown, compression: Compression): string {
  const { code, message } = err as { code?: string; message?: string };
  if (compression === 'gz') {
    if (code === 'Z_DATA_ERROR' && /header/.test(message ?? '')) return 'not a gzip file';
    if (code === 'Z_BUF_ERROR') return 'unexpected end of data';
    return 'invalid compressed data';
  }
  if (/prematurely/.test(message ?? '')) return 'unexpected end of data';
  return 'invalid compressed data';
}

/**
 * unbzip2-stream is an old-style `through` stream that decodes synchronously inside write()
 * and end(); this Transform drives it so pipeline() gets backpressure and error handling.
 */
function bunzip2(): Transform {
  const decoder = unbzip2();
  let failure: Error | undefined;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!failure) decoder.write(chunk);
      done(failure);
    },
    flush(done) {
      if (!failure) decoder.end();
      done(failure);
    },
  });
  decoder.on('data', (data: Buffer) => transform.push(data));
  decoder.on('error', (err: Error) => (failure ??= err));
  return transform;
}
