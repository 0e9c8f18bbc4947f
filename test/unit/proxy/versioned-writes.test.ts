import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import type { StratusError } from '../../../common/errors.js';
import type { ProxyContext } from '../../../proxy/context.js';
import { versionedWrites } from '../../../proxy/middleware/versioned-writes.js';
import type { ProxyResponse } from '../../../proxy/pipeline.js';
import { archivedVersions } from '../../../proxy/versioning/archive-listing.js';
import {
  clientLocationHeader,
  translateContainerHeaders,
  versioningOf,
  versionName,
  versionPrefix,
} from '../../../proxy/versioning/archive-names.js';

describe('archive names', () => {
  it('prefixes the UTF-8 length of the name in three hex digits', () => {
    expect(versionPrefix('myobject')).toBe('008myobject/');
    expect(versionPrefix('é')).toBe('002é/');
    expect(versionPrefix('a'.repeat(1024))).toBe(`400${'a'.repeat(1024)}/`);
    expect(versionPrefix('dir/file.txt')).toBe('00cdir/file.txt/');
  });

  it('ends with the version’s timestamp in internal form', () => {
    expect(versionName('o', '1390512682.92052')).toBe('001o/1390512682.92052');
    expect(versionName('o', '1390512682.9')).toBe('001o/1390512682.90000');
    expect(versionName('o', '1390512682.92052_000000000000000a')).toBe(
      '001o/1390512682.92052_000000000000000a',
    );
  });
});

describe('container settings', () => {
  it('stores the archive and mode as system metadata and blanks the plain headers', () => {
    const stack: Record<string, string> = { 'x-versions-location': 'arch%20ive' };
    translateContainerHeaders(stack, 'PUT', true);
    expect(stack).toEqual({
      'x-versions-location': '',
      'x-history-location': '',
      'x-container-sysmeta-versions-location': 'arch%20ive',
      'x-container-sysmeta-versions-mode': 'stack',
    });
    const history: Record<string, string> = {
      'x-history-location': 'h',
      'x-versions-location': '',
    };
    translateContainerHeaders(history, 'POST', true);
    expect(history['x-container-sysmeta-versions-mode']).toBe('history');
    expect(history['x-container-sysmeta-versions-location']).toBe('h');
  });

  it('refuses both modes, slashes, and settings when disabled', () => {
    expect(() =>
      translateContainerHeaders(
        { 'x-versions-location': 'a', 'x-history-location': 'b' },
        'PUT',
        true,
      ),
    ).toThrow('Only one of x-versions-location or x-history-location may be specified');
    let status: number | undefined;
    try {
      translateContainerHeaders({ 'x-versions-location': 'a/b' }, 'PUT', true);
    } catch (err) {
      status = (err as StratusError).status;
    }
    expect(status).toBe(412);
    expect(() => translateContainerHeaders({ 'x-history-location': 'a' }, 'POST', false)).toThrow(
      'Versioned Writes is disabled',
    );
  });

  it('turns versioning off with an empty value or X-Remove-*', () => {
    for (const headers of [
      { 'x-versions-location': '' },
      { 'x-history-location': '' },
      { 'x-remove-versions-location': 'x' },
      { 'x-remove-history-location': 'x' },
    ] as Record<string, string>[]) {
      translateContainerHeaders(headers, 'POST', false);
      expect(headers).toEqual({
        'x-versions-location': '',
        'x-history-location': '',
        'x-container-sysmeta-versions-location': '',
        'x-container-sysmeta-versions-mode': '',
      });
    }
    const setWins: Record<string, string> = {
      'x-versions-location': 'v',
      'x-remove-versions-location': 'x',
    };
    translateContainerHeaders(setWins, 'POST', true);
    expect(setWins['x-container-sysmeta-versions-location']).toBe('v');
  });

  it('leaves other requests alone', () => {
    const headers: Record<string, string> = { 'x-container-meta-a': 'b' };
    translateContainerHeaders(headers, 'POST', true);
    expect(headers).toEqual({ 'x-container-meta-a': 'b' });
  });

  it('reads the archive back from container info and shows it to clients', () => {
    expect(
      versioningOf({
        'x-container-sysmeta-versions-location': 'arch%20ive',
        'x-container-sysmeta-versions-mode': 'history',
      }),
    ).toEqual({ archive: 'arch ive', mode: 'history' });
    expect(versioningOf({ 'x-versions-location': 'old' })).toEqual({
      archive: 'old',
      mode: 'stack',
    });
    expect(versioningOf({ 'x-container-sysmeta-versions-location': '' })).toBeUndefined();
    expect(versioningOf({})).toBeUndefined();
    expect(
      clientLocationHeader({
        'x-container-sysmeta-versions-location': 'a',
        'x-container-sysmeta-versions-mode': 'history',
      }),
    ).toEqual(['X-History-Location', 'a']);
    expect(clientLocationHeader({ 'x-container-sysmeta-versions-location': 'a' })).toEqual([
      'X-Versions-Location',
      'a',
    ]);
  });
});

describe('archived versions listing', () => {
  const page = (names: string[]): ProxyResponse => ({
    status: 200,
    headers: {},
    body: JSON.stringify(names.map((name) => ({ name, content_type: 'text/plain' }))),
  });

  it('reads newest first, page after page, only as far as asked', async () => {
    const queries: string[] = [];
    const pages = [page(['001o/3', '001o/2']), page(['001o/1']), page([])];
    const versions = archivedVersions(async (query) => {
      queries.push(query.toString());
      return pages.shift()!;
    }, '001o/');
    const names: string[] = [];
    for await (const version of versions) names.push(version.name);
    expect(names).toEqual(['001o/3', '001o/2', '001o/1']);
    expect(queries).toEqual([
      'format=json&prefix=001o%2F&reverse=on',
      'format=json&prefix=001o%2F&reverse=on&marker=001o%2F2',
      'format=json&prefix=001o%2F&reverse=on&marker=001o%2F1',
    ]);

    let fetched = 0;
    for await (const version of archivedVersions(async () => {
      fetched += 1;
      return page(['001o/9']);
    }, '001o/')) {
      expect(version.name).toBe('001o/9');
      break;
    }
    expect(fetched).toBe(1);
  });

  it('has no versions when the archive is missing; other failures stop the request', async () => {
    const collect = async (status: number) => {
      const out = [];
      for await (const v of archivedVersions(async () => ({ status, headers: {} }), 'p'))
        out.push(v);
      return out;
    };
    expect(await collect(404)).toEqual([]);
    await expect(collect(403)).rejects.toMatchObject({ status: 412 });
    await expect(collect(503)).rejects.toMatchObject({ status: 500 });
  });
});

describe('filter', () => {
  it('publishes /info only when enabled', () => {
    const on = { capabilities: {} } as unknown as ProxyContext;
    versionedWrites(ConfigSection.of('filter:versioned_writes', {}), on);
    expect(on.capabilities.versioned_writes).toEqual({
      allowed_flags: ['x-versions-location', 'x-history-location'],
    });
    const off = { capabilities: {} } as unknown as ProxyContext;
    versionedWrites(
      ConfigSection.of('filter:versioned_writes', { allow_versioned_writes: false }),
      off,
    );
    expect(off.capabilities.versioned_writes).toBeUndefined();
  });
});
