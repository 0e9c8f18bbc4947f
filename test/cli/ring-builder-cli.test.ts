/**
 * Drives the real `stratus-ring-builder` executable as an operator would, from an empty
 * folder to a ring file that the reader loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initHashing, PathHasher } from '../../common/hash.js';
import { Ring } from '../../common/ring/ring.js';

const CLI = fileURLToPath(new URL('../../dist/ring-builder/cli.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ringBuilder(cwd: string, args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input: input ?? '',
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('stratus-ring-builder', () => {
  let dir: string;
  const rb = (...args: string[]) => ringBuilder(dir, ['object.builder', ...args]);

  beforeAll(async () => {
    await initHashing();
    dir = await mkdtemp(join(tmpdir(), 'stratus-rb-'));
  });

  it('prints help with no arguments', () => {
    const run = ringBuilder(dir, []);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'stratus-ring-builder <builder_file> create <part_power> <replicas> <min_part_hours>',
    );
    expect(run.stdout).toContain('Quick list: add create dispersion list_parts plan');
  });

  it('says how to create a missing builder file', () => {
    const run = rb();
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Ring builder file does not exist: object.builder');
  });

  it('builds a ring end to end', async () => {
    expect(rb('create', '10', '3', '1').code).toBe(0);
    let run = rb(
      'add',
      'r1z1-127.0.0.1:6200/sdb1',
      '100',
      'r1z2-127.0.0.2:6200/sdb1',
      '100',
      'r1z3-127.0.0.3:6200R10.0.0.3:6300/sdb1_fast',
      '100',
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'Device d0r1z1-127.0.0.1:6200R127.0.0.1:6200/sdb1_"" with 100.0 weight got id 0',
      'Device d1r1z2-127.0.0.2:6200R127.0.0.2:6200/sdb1_"" with 100.0 weight got id 1',
      'Device d2r1z3-127.0.0.3:6200R10.0.0.3:6300/sdb1_"fast" with 100.0 weight got id 2',
    ]);
    run = rb(
      'add',
      '--region',
      '1',
      '--zone',
      '4',
      '--ip',
      '127.0.0.4',
      '--port',
      '6200',
      '--device',
      'sdb1',
      '--weight',
      '100',
    );
    expect(run.stdout).toContain('got id 3');
    run = rb('add', 'z5-127.0.0.5:6200/sdb1', '100');
    expect(run.stderr).toContain(
      'WARNING: No region specified for z5-127.0.0.5:6200/sdb1. Defaulting to region 1.',
    );

    run = rb();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^1024 partitions, 3\.000000 replicas, 1 regions, 5 zones, 5 devices, 100\.00 balance, 0\.00 dispersion$/m,
    );
    expect(run.stdout).toContain(
      "Ring file object.ring.gz not found, probably it hasn't been written yet",
    );

    run = rb('plan', '--seed', '1');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'A rebalance would move 3072 replicas in 1024 partitions: 100.00% of the data.',
    );
    await expect(stat(join(dir, 'object.ring.gz'))).rejects.toThrow();

    run = rb('rebalance', '--seed', '1');
    expect(run.stdout).toContain(
      'Reassigned 3072 (300.00%) partitions. Balance is now 0.10.  Dispersion is now 0.00',
    );
    expect(run.code).toBe(0);
    expect(rb('validate').code).toBe(0);
    run = rb();
    expect(run.stdout).toContain('Ring file object.ring.gz is up-to-date');
    expect(run.stdout).toMatch(/\((0:59:\d\d|1:00:00) remaining\)/);
    const backups = await readdir(join(dir, 'backups'));
    expect(backups.some((name) => name.endsWith('.object.builder'))).toBe(true);
    expect(backups.some((name) => name.endsWith('.object.ring.gz'))).toBe(true);

    // The reader loads what the CLI wrote.
    const ring = Ring.load(
      join(dir, 'object.ring.gz'),
      new PathHasher({ prefix: '', suffix: 'x' }),
    );
    const { nodes } = ring.getNodes('AUTH_test', 'c', 'o');
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes.map((n) => n.zone)).size).toBe(3);
    expect(ring.devices.find((d) => d.id === 2)).toMatchObject({
      replicationIp: '10.0.0.3',
      replicationPort: 6300,
      meta: 'fast',
    });
  });

  it('refuses a second rebalance inside min_part_hours, saving nothing', async () => {
    const before = await readFile(join(dir, 'object.builder'));
    const run = rb('rebalance');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /No partitions could be reassigned\.\nThe time between rebalances must be at least min_part_hours: 1 hours \((0:59|1:00):\d\d remaining\)/,
    );
    expect((await readFile(join(dir, 'object.builder'))).equals(before)).toBe(true);
  });

  it('searches and lists partitions', () => {
    let run = rb('search', 'z3');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'Devices:    id  region  zone      ip address  port  replication ip  replication port      name weight partitions balance meta',
    );
    expect(run.stdout).toMatch(
      /^\s+2\s+1\s+3\s+127\.0\.0\.3\s+6200\s+10\.0\.0\.3\s+6300\s+sdb1 100\.00\s+\d+\s+-?\d+\.\d\d fast$/m,
    );
    expect(rb('search', 'd99').stdout.trim()).toBe('No matching devices found');
    expect(rb('search', 'x1').stdout.trim()).toBe("Invalid <search-value>: 'x1'");
    run = rb('list_parts', 'd0', 'd1');
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toBe('Partition   Matches');
    expect(rows[1]).toMatch(/^\s+\d+\s+2$/);
  });

  it('asks before changing several devices, and honours --yes', () => {
    let run = ringBuilder(dir, ['object.builder', 'set_weight', 'r1', '50'], 'n\n');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Matched more than one device:');
    expect(run.stdout).toContain('Aborting device modifications');
    run = rb('set_weight', 'd0', '50');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      'd0r1z1-127.0.0.1:6200R127.0.0.1:6200/sdb1_"" weight set to 50.0',
    );
    run = rb('set_weight', 'd99', '50');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Search value matched 0 devices.');
  });

  it('plans and rebalances a removal, ignoring min_part_hours for the removed device', () => {
    let run = rb('remove', 'd4');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      'd4r1z5-127.0.0.5:6200R127.0.0.5:6200/sdb1_"" marked for removal and will be removed next rebalance.',
    );
    expect(rb().stdout).toMatch(/ DEL /);
    run = rb('plan', '--seed', '2');
    expect(run.stdout).toMatch(
      /^\s+4 r1z5-127\.0\.0\.5:6200\/sdb1\s+0\.00\s+\d+\s+0\s+\+0\s+-\d+\s+\d+\.\d\d% \(removed\)$/m,
    );
    run = rb('rebalance', '--seed', '2');
    expect(run.stdout).toMatch(/^Reassigned \d+ /m);
    expect(rb('search', 'd4').code).toBe(2);
    expect(rb('validate').code).toBe(0);
  });

  it('reports dispersion per tier', () => {
    const run = rb('dispersion', '-v', 'r\\d+z\\d+$');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Dispersion is 0\.000000, Balance is \d+\.\d{6}, Overload is 0\.00%$/m,
    );
    expect(run.stdout).toMatch(/^Tier\s+Parts\s+%\s+Max\s+0\s+1\s+2\s+3$/m);
    expect(run.stdout).toMatch(/^r1z1\s+\d+\s+0\.00\s+1\s+\d+\s+\d+\s+0\s+0$/m);
    expect(run.stdout).not.toMatch(/^r1\s/m);
  });

  it('answers bad input with one line and exit code 2, changing nothing', async () => {
    const before = await readFile(join(dir, 'object.builder'));
    const cases: [string[], string][] = [
      [['add', 'r1z1-127.0.0.1:6200/sdb1', '100'], 'Device 0 already uses 127.0.0.1:6200/sdb1.'],
      [['add', 'r1z1-127.0.0.9:6200/sdb1', 'abc'], 'Invalid weight: "abc" is not a number'],
      [['add', 'r1z1-999.0.0.1:6200/sdb1', '1'], 'Invalid ip 999.0.0.1'],
      [['add', 'r1z1-127.0.0.9:abc/sdb1', '1'], 'Invalid port :abc in add value'],
      [['add', 'q1-127.0.0.9:6200/sdb1', '1'], 'Invalid add value: q1-127.0.0.9:6200/sdb1'],
      [['set_weight', 'd1', '--', '-5'], 'Invalid weight -5'],
      [['set_replicas', '0.5'], 'Replica count must be at least 1.'],
      [['frobnicate'], 'Unknown command: frobnicate'],
    ];
    for (const [args, message] of cases) {
      const run = rb(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toContain(message);
    }
    expect((await readFile(join(dir, 'object.builder'))).equals(before)).toBe(true);
    const other = await mkdtemp(join(tmpdir(), 'stratus-rb-'));
    const create = ringBuilder(other, ['x.builder', 'create', '40', '3', '1']);
    expect(create.code).toBe(2);
    expect(create.stdout.trim()).toBe('part_power must be an integer from 1 to 24, got 40');
    const few = ringBuilder(other, ['y.builder', 'create', '8', '3', '1']);
    expect(few.code).toBe(0);
    ringBuilder(other, ['y.builder', 'add', 'r1z1-127.0.0.1:6200/sdb1', '1']);
    const tooFew = ringBuilder(other, ['y.builder', 'rebalance']);
    expect(tooFew.code).toBe(2);
    expect(tooFew.stdout).toContain(
      'Replica count of 3 requires at least 3 devices with weight > 0; 1 found',
    );
  });

  it('writes the ring again with write_ring and accepts the ring file name', () => {
    expect(rb('write_ring').code).toBe(0);
    const run = ringBuilder(dir, ['object.ring.gz']);
    expect(run.stdout).toContain(
      'Note: using object.builder instead of object.ring.gz as builder file',
    );
    expect(run.stdout).toContain('Ring file object.ring.gz is up-to-date');
  });
});
