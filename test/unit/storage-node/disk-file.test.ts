import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAttribute } from 'fs-xattr';
import { describe, expect, it } from 'vitest';
import { Timestamp } from '../../../common/timestamp.js';
import { DiskFile } from '../../../storage-node/object/disk-file.js';
import {
  METADATA_XATTR,
  readMetadata,
  writeMetadata,
} from '../../../storage-node/object/metadata.js';

async function device(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'stratus-dev-'));
}

async function putData(
  file: DiskFile,
  stamp: string,
  body: string,
  extra: Record<string, string> = {},
) {
  const writer = await file.createWriter();
  await writer.write(Buffer.from(body));
  await writer.commit(`${Timestamp.parse(stamp).internal}.data`, {
    name: file.name,
    'Content-Length': String(body.length),
    'X-Timestamp': stamp,
    ...extra,
  });
}

describe('DiskFile', () => {
  it("lays files out in Swift's tree and keeps only what matters", async () => {
    const dev = await device();
    const file = new DiskFile(dev, 5, '0123456789abcdef', '/a/c/o');
    expect(file.hashDir).toBe(join(dev, 'objects', '5', 'def', '0123456789abcdef'));
    await putData(file, '0000000100.00000', 'one');
    await putData(file, '0000000200.00000', 'two', { 'X-Object-Meta-A': '1' });
    await file.writeMeta(Timestamp.parse('250'), {
      'X-Object-Meta-B': '2',
      'X-Timestamp': '0000000250.00000',
    });
    await file.writeMeta(Timestamp.parse('260'), {
      'X-Object-Meta-C': '3',
      'X-Timestamp': '0000000260.00000',
    });
    expect((await readdir(file.hashDir)).sort()).toEqual([
      '0000000200.00000.data',
      '0000000260.00000.meta',
    ]);
    const state = await file.read();
    expect(state.kind).toBe('data');
    if (state.kind !== 'data') return;
    expect(state.timestamp.normal).toBe('0000000200.00000');
    expect(state.lastChange.normal).toBe('0000000260.00000');
    expect(state.metadata['X-Object-Meta-C']).toBe('3');
    expect(state.metadata['X-Object-Meta-A']).toBeUndefined();
    await file.writeTombstone(Timestamp.parse('300'), { name: file.name });
    expect(await readdir(file.hashDir)).toEqual(['0000000300.00000.ts']);
    expect((await file.read()).kind).toBe('deleted');
    expect(await readdir(join(dev, 'tmp'))).toEqual([]);
  });

  it('quarantines files whose metadata cannot be read', async () => {
    const dev = await device();
    const file = new DiskFile(dev, 0, 'ffffffffffffffff', '/a/c/o');
    await putData(file, '0000000100.00000', 'x');
    await writeFile(join(file.hashDir, '0000000200.00000.data'), 'no metadata here');
    expect(await file.read()).toEqual({ kind: 'missing' });
    const quarantined = await readdir(join(dev, 'quarantined', 'objects'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatch(/^ffffffffffffffff-/);
  });

  it('drops an aborted upload without a trace', async () => {
    const dev = await device();
    const file = new DiskFile(dev, 0, 'aaaaaaaaaaaaaaaa', '/a/c/o');
    const writer = await file.createWriter();
    await writer.write(Buffer.alloc(1000));
    writer.abort();
    expect(await readdir(join(dev, 'tmp'))).toEqual([]);
    expect(await file.read()).toEqual({ kind: 'missing' });
  });
});

describe('object metadata', () => {
  it('uses one xattr when it fits and a fsynced sidecar when it does not', async () => {
    const dir = await device();
    const small = join(dir, 'small');
    await writeFile(small, '');
    expect(await writeMetadata(small, { a: '1' })).toBeUndefined();
    expect(JSON.parse((await getAttribute(small, METADATA_XATTR)).toString())).toEqual({ a: '1' });
    const big = join(dir, 'big');
    await writeFile(big, '');
    const huge = { a: 'x'.repeat(9000) };
    expect(await writeMetadata(big, huge)).toBe(`${big}.json`);
    expect(readMetadata(big)).toEqual(huge);
  });

  it('refuses metadata that is not a JSON object of strings', async () => {
    const dir = await device();
    const path = join(dir, 'f');
    await writeFile(path, '');
    await writeFile(`${path}.json`, '[1,2]');
    expect(() => readMetadata(path)).toThrow('not an object');
    await writeFile(`${path}.json`, '{"a":1}');
    expect(() => readMetadata(path)).toThrow('non-string');
    await writeFile(`${path}.json`, '{');
    expect(() => readMetadata(path)).toThrow('not valid JSON');
  });
});
