/**
 * Processes a benchmark starts (Swift's servers, memcached): each in a process group of its
 * own, output appended to a log file, stopped by group id — SIGTERM, then SIGKILL after a
 * grace period — so a server's forked workers stop with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface Started {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
}

export function startLogged(
  name: string,
  command: string,
  args: string[],
  logPath: string,
): Started {
  const log = openSync(logPath, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { name, child, logPath, exited };
}

export async function stopGroup(started: Started, graceMs = 5000): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined || started.child.exitCode !== null || started.child.signalCode !== null)
    return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await started.exited;
  clearTimeout(timer);
  signal('SIGKILL'); // workers that outlived their parent
}

export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves once `check()` is true; fails after `timeoutMs` or when the process exits. */
export async function waitUntil(
  started: Started,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void started.exited.then(() => (exited = true));
  while (!(await check())) {
    if (exited) throw new Error(`${started.name} exited while starting:\n${tail(started.logPath)}`);
    if (Date.now() > deadline)
      throw new Error(`${started.name}: ${what} not ready in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function healthy(url: string): () => Promise<boolean> {
  return () =>
    fetch(`${url}/healthcheck`).then(
      (reply) => reply.ok,
      () => false,
    );
}

export function listening(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
}
