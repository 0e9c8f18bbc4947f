import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Config, ConfigSection } from '../../../common/config.js';

const SAMPLE = `
# An object-server.conf in Swift's style
[DEFAULT]
devices = /srv/node
mount_check = false
bind_port = 6200
workers = 2
log_level = INFO

[pipeline:main]
pipeline = healthcheck
    recon object-server

[app:object-server]
use = egg:swift#object
set log_level = DEBUG
node_timeout: 3.5
swap_dir = %(devices)s/swap
here_dir = %(here)s/x
percent = 100%%

; a comment
[object-replicator]
concurrency = 4
`;

describe('Config', () => {
  const config = Config.parse(SAMPLE, 'object-server.conf', '/etc/stratus');

  it('inherits [DEFAULT] into every section and lets sections override it', () => {
    const app = config.section('app:object-server');
    expect(app.string('devices')).toBe('/srv/node');
    expect(app.string('log_level')).toBe('DEBUG');
    expect(config.section('object-replicator').string('log_level')).toBe('INFO');
  });

  it('reads typed values', () => {
    const app = config.section('app:object-server');
    expect(app.int('bind_port', 0)).toBe(6200);
    expect(app.number('node_timeout', 10)).toBe(3.5);
    expect(app.bool('mount_check', true)).toBe(false);
    expect(app.int('missing', 42)).toBe(42);
    expect(config.section('pipeline:main').list('pipeline')).toEqual([
      'healthcheck',
      'recon',
      'object-server',
    ]);
  });

  it('interpolates %(name)s, %(here)s and %%', () => {
    const app = config.section('app:object-server');
    expect(app.string('swap_dir')).toBe('/srv/node/swap');
    expect(app.string('here_dir')).toBe('/etc/stratus/x');
    expect(app.string('percent')).toBe('100%');
  });

  it('names the file, section and key in every error', () => {
    const section = Config.parse(
      '[app:proxy-server]\nbind_port = eighty\nnode_timeout = -1\nflag = maybe\n',
      'proxy.conf',
    ).section('app:proxy-server');
    expect(() => section.int('bind_port', 8080)).toThrow(
      'proxy.conf [app:proxy-server] bind_port expected an integer, got "eighty"',
    );
    expect(() => section.number('node_timeout', 10, { min: 0 })).toThrow(
      'proxy.conf [app:proxy-server] node_timeout must be at least 0, got -1',
    );
    expect(() => section.bool('flag', false)).toThrow('flag expected true or false, got "maybe"');
    expect(() => section.string('required_key')).toThrow('required_key is required but not set');
    expect(() => section.choice('flag', ['a', 'b'], 'a')).toThrow('expected one of a, b');
  });

  it('rejects unknown keys set in a section, but not inherited defaults', () => {
    const parsed = Config.parse('[DEFAULT]\nshared = 1\n[app:x]\nbind_prot = 1\n', 'x.conf');
    expect(() => parsed.section('app:x').rejectUnknown(['bind_port'])).toThrow(
      'x.conf [app:x] bind_prot is not a known setting of [app:x]',
    );
    expect(() =>
      Config.parse('[app:x]\nbind_port = 1\n').section('app:x').rejectUnknown(['bind_port']),
    ).not.toThrow();
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => Config.parse('[a]\nthis is not a pair\n', 'bad.conf')).toThrow('bad.conf:2');
    expect(() => Config.parse('key = value before any section\n', 'bad.conf')).toThrow(
      'bad.conf:1',
    );
  });

  it('reports a missing required section and a missing file clearly', async () => {
    expect(() => config.requireSection('swift-hash')).toThrow(
      'object-server.conf: missing section [swift-hash]',
    );
    await expect(Config.load('/nonexistent/stratus.conf')).rejects.toThrow(
      'cannot read config file /nonexistent/stratus.conf',
    );
  });

  it('loads a file and sets here to its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-config-'));
    await writeFile(join(dir, 'a.conf'), '[s]\npath = %(here)s/data\n');
    const loaded = await Config.load(join(dir, 'a.conf'));
    expect(loaded.section('s').string('path')).toBe(`${dir}/data`);
  });

  it('builds inline sections for code that does not read files', () => {
    const inline = ConfigSection.of('x', { Port: 1, Flag: true });
    expect(inline.int('port', 0)).toBe(1);
    expect(inline.bool('flag', false)).toBe(true);
  });
});
