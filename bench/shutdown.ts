/**
 * Everything a benchmark starts registers how to stop it here. Cleanups run once, newest
 * first, when the run ends — normally, on failure, or on Ctrl-C / SIGTERM — so no server or
 * temp folder outlives the run.
 */
type Cleanup = () => unknown;

const cleanups: Cleanup[] = [];
let running: Promise<void> | undefined;

export function onStop(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await cleanup();
      } catch (err) {
        process.stderr.write(`cleanup failed: ${String(err)}\n`);
      }
    }
  })();
  return running;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping everything this run started …\n`);
    void runCleanups().then(() => process.exit(130));
  });
}
