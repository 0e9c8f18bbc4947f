/** What the figures were measured on: CPU, cores, memory, kernel, Node, and the data's filesystem. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  filesystem: string;
}

export function describeMachine(dataDir: string): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: `Linux ${release()}`,
    node: process.version,
    filesystem: filesystemOf(dataDir),
  };
}

/** `ext4 on /dev/vda` for the longest mount point containing `path`. */
function filesystemOf(path: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length > 2 && path.startsWith(fields[1]!))
      .sort((a, b) => b[1]!.length - a[1]!.length);
    const [device, , type] = mounts[0] ?? [];
    return device ? `${type} on ${device}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineLine(m: Machine): string {
  return `${m.cores}-core ${m.cpu}, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}, data on ${m.filesystem}`;
}
