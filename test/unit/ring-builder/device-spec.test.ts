import { describe, expect, it } from 'vitest';
import {
  formatDevice,
  matchesFilter,
  parseAddValue,
  parseSearchValue,
} from '../../../ring-builder/device-spec.js';
import { formatDuration } from '../../../ring-builder/format.js';
import { progressReporter } from '../../../ring-builder/progress.js';

const dev = {
  id: 74,
  region: 4,
  zone: 1,
  ip: '1.2.3.4',
  port: 5678,
  replicationIp: '5.6.7.8',
  replicationPort: 5679,
  device: 'sdb1',
  weight: 100,
  meta: 'snet: 5.6.7.8',
};

describe('add values', () => {
  it('parses every part', () => {
    expect(parseAddValue('r2z3-10.0.0.1:6200R10.1.0.1:6300/sdb1_some_meta')).toEqual({
      region: 2,
      zone: 3,
      ip: '10.0.0.1',
      port: 6200,
      replicationIp: '10.1.0.1',
      replicationPort: 6300,
      device: 'sdb1',
      meta: 'some_meta',
      defaultedRegion: false,
    });
    expect(parseAddValue('z1-[::1]:6200/sdd1')).toMatchObject({
      region: 1,
      ip: '::1',
      replicationIp: '::1',
      defaultedRegion: true,
      meta: '',
    });
    expect(parseAddValue('r1z1-storage-1.example.com:6200/sdb')).toMatchObject({
      ip: 'storage-1.example.com',
    });
  });

  it.each([
    ['q1-127.0.0.1:6200/sdx1', 'Invalid add value: q1-127.0.0.1:6200/sdx1'],
    ['r1z1-127.0.0.1/sdx1', 'Invalid port in add value'],
    ['r1z1-127.0.0.1:abc/sdx1', 'Invalid port :abc in add value'],
    ['r1z1-127.0.0.1:6200/', 'Invalid device name'],
    ['r1z1-127.0.0.1:6200', 'Invalid add value: r1z1-127.0.0.1:6200'],
    ['r1z1-999.0.0.1:6200/sdx', 'Invalid ip 999.0.0.1'],
    ['r1z1-127.0.0.1:70000/sdx', 'Invalid port 70000'],
  ])('rejects %s', (value, message) => {
    expect(() => parseAddValue(value)).toThrow(message);
  });
});

describe('search values', () => {
  it.each([
    ['d74', { id: 74 }],
    ['r4', { region: 4 }],
    ['z1', { zone: 1 }],
    ['z1-1.2.3.4', { zone: 1, ip: '1.2.3.4' }],
    ['1.2.3.4', { ip: '1.2.3.4' }],
    ['z1:5678', { zone: 1, port: 5678 }],
    [':5678', { port: 5678 }],
    ['R5.6.7.8', { replicationIp: '5.6.7.8' }],
    ['R:5679', { replicationPort: 5679 }],
    ['1.2.3.4R5.6.7.8', { ip: '1.2.3.4', replicationIp: '5.6.7.8' }],
    ['/sdb1', { device: 'sdb1' }],
    ['_snet', { meta: 'snet' }],
    ['_"snet: 5.6.7.8"', { meta: 'snet: 5.6.7.8' }],
    ['[::1]', { ip: '::1' }],
    [
      'd74r4z1-1.2.3.4:5678/sdb1_"snet: 5.6.7.8"',
      {
        id: 74,
        region: 4,
        zone: 1,
        ip: '1.2.3.4',
        port: 5678,
        device: 'sdb1',
        meta: 'snet: 5.6.7.8',
      },
    ],
  ])('parses %s', (value, filter) => {
    expect(parseSearchValue(value)).toEqual(filter);
    if (!('ip' in filter && filter.ip === '::1'))
      expect(matchesFilter(dev, parseSearchValue(value))).toBe(true);
  });

  it('rejects what it cannot read', () => {
    expect(() => parseSearchValue('x1')).toThrow("Invalid <search-value>: 'x1'");
    expect(() => parseSearchValue('1.2.3')).toThrow('Invalid ip 1.2.3');
    expect(() => parseSearchValue('')).toThrow('Invalid <search-value>');
    expect(matchesFilter(dev, parseSearchValue('d75'))).toBe(false);
  });

  it('prints devices as swift-ring-builder does', () => {
    expect(formatDevice(dev)).toBe('d74r4z1-1.2.3.4:5678R5.6.7.8:5679/sdb1_"snet: 5.6.7.8"');
    expect(formatDevice({ ...dev, ip: '::1', replicationIp: '::1', meta: '' })).toBe(
      'd74r4z1-[::1]:5678R[::1]:5679/sdb1_""',
    );
  });
});

describe('output helpers', () => {
  it('renders durations like Python timedelta', () => {
    expect(formatDuration(0)).toBe('0:00:00');
    expect(formatDuration(3599)).toBe('0:59:59');
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(86400)).toBe('1 day, 0:00:00');
    expect(formatDuration(2 * 86400 + 61)).toBe('2 days, 0:01:01');
  });

  it('reports progress only for long work, then at intervals', () => {
    let now = 0;
    const lines: string[] = [];
    const report = progressReporter({
      write: (t) => lines.push(t),
      interactive: false,
      label: 'Placing',
      intervalMs: 1000,
      clock: () => now,
    });
    report(10, 100);
    expect(lines).toEqual([]);
    now = 1500;
    report(50, 100);
    now = 1600;
    report(60, 100);
    report(100, 100);
    expect(lines).toEqual(['Placing: 50 of 100 (50.0%)\n', 'Placing: 100 of 100 (100.0%)\n']);
    const quick: string[] = [];
    progressReporter({
      write: (t) => quick.push(t),
      interactive: false,
      label: 'x',
      clock: () => 0,
    })(5, 5);
    expect(quick).toEqual([]);
  });
});
