/**
 * `node --cpu-prof` for processes we do not start ourselves (the cluster's, spawned by
 * local-cluster/): Node refuses `--cpu-prof` in NODE_OPTIONS but accepts `--import`, so the
 * benchmark sets `NODE_OPTIONS=--import=<this file>` and STRATUS_CPU_PROFILE_DIR. This starts
 * the V8 profiler at start-up and writes the same .cpuprofile file at exit (the in-process
 * inspector answers synchronously, so it works inside an 'exit' handler).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.STRATUS_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  // 1 ms between samples, as --cpu-prof-interval's default.
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = `${(process.argv[1] ?? 'node').split('/').slice(-2).join('-')}.${process.pid}.cpuprofile`;
      writeFileSync(join(dir, name), JSON.stringify(result.profile));
    });
  });
}
