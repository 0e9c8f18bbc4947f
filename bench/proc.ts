/**
 * What the stores' processes use, read from /proc: resident memory sampled every 50 ms (the
 * peak of the sum, in MiB — sampled rather than VmHWM so the peak belongs to one scenario),
 * and CPU seconds (user + system, all threads), so each store's cost per request can be
 * compared whatever else the machine is doing.
 */
import { readdirSync, readFileSync } from 'node:fs';

function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0; // exited meanwhile
  }
}

/** The pid and every descendant, from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const current = all[i]!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8');
        for (const child of children.split(' ').filter(Boolean)) all.push(Number(child));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return all;
}

export function sampleRss(pids: readonly number[], intervalMs = 50): { stop(): number } {
  const tree = pids.flatMap(processTree);
  let peakKiB = 0;
  const sample = () => {
    peakKiB = Math.max(
      peakKiB,
      tree.reduce((sum, pid) => sum + rssKiB(pid), 0),
    );
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  let stopped = false;
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        sample();
      }
      return Math.round(peakKiB / 1024);
    },
  };
}

/** User + system CPU seconds of the processes so far (those that exited count no more). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second on every common build. */
const CLOCK_TICKS = 100;

/** Descendants of this process whose command line mentions `marker` (e.g. a data folder). */
export function descendantsMentioning(marker: string): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}
