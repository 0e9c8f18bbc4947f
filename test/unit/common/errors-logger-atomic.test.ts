import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../common/atomic-file.js';
import { ERROR_STATUS, hasCode, statusOf, StratusError } from '../../../common/errors.js';
import { createLogger, generateTransId, requestLogger } from '../../../common/logger.js';

describe('errors', () => {
  it('maps every code to one status, and anything else to 500', () => {
    expect(statusOf(new StratusError('NOT_FOUND', 'x'))).toBe(404);
    expect(statusOf(new StratusError('ETAG_MISMATCH', 'x'))).toBe(422);
    expect(statusOf(new StratusError('CLIENT_DISCONNECTED', 'x'))).toBe(499);
    expect(statusOf(new StratusError('INSUFFICIENT_STORAGE', 'x'))).toBe(507);
    expect(statusOf(new Error('boom'))).toBe(500);
    expect(statusOf('not even an error')).toBe(500);
    for (const status of Object.values(ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('carries headers and can be matched by code', () => {
    const err = new StratusError('CONFLICT', 'older', {
      headers: { 'X-Backend-Timestamp': '1.00000' },
    });
    expect(err.headers['X-Backend-Timestamp']).toBe('1.00000');
    expect(hasCode(err, 'CONFLICT', 'NOT_FOUND')).toBe(true);
    expect(hasCode(err, 'NOT_FOUND')).toBe(false);
  });
});

describe('logger', () => {
  it('makes Swift-shaped transaction ids', () => {
    const id = generateTransId();
    expect(id).toMatch(/^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    expect(Number.parseInt(id.slice(-10), 16)).toBeCloseTo(Date.now() / 1000, -1);
    expect(generateTransId('-my extra!')).toMatch(/^tx[0-9a-f]{21}-[0-9a-f]{10}-myextra$/);
    expect(generateTransId()).not.toBe(generateTransId());
  });

  it('writes JSON lines carrying the server and the request transaction id, tokens redacted', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ server: 'proxy-server', destination: sink });
    requestLogger(logger, 'tx123').info({ headers: { 'x-auth-token': 'AUTH_tksecret' } }, 'hello');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ server: 'proxy-server', txId: 'tx123', msg: 'hello' });
    expect(JSON.stringify(line)).not.toContain('AUTH_tksecret');
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file and leaves no temp files behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-atomic-'));
    const path = join(dir, 'object.builder');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['object.builder']);
  });

  it('leaves the old file when writing fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-atomic-'));
    const path = join(dir, 'missing-dir', 'x');
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow();
  });
});
