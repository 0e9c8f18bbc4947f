/**
 * Progress for long operations: on a terminal one line redrawn in place, elsewhere (CI logs,
 * pipes) a plain line at most every few seconds. Nothing is printed for work that finishes
 * within the first interval, so quick runs stay quiet.
 */
export interface ProgressOptions {
  write: (text: string) => void;
  interactive: boolean;
  label: string;
  /** Milliseconds between updates; the first update waits this long too. */
  intervalMs?: number;
  clock?: () => number;
}

export function progressReporter(options: ProgressOptions): (done: number, total: number) => void {
  const clock = options.clock ?? Date.now;
  const interval = options.intervalMs ?? (options.interactive ? 200 : 5000);
  let next = clock() + interval;
  let drawn = false;
  return (done, total) => {
    const finished = done >= total;
    if (!finished && clock() < next) return;
    if (finished && !drawn) return;
    next = clock() + interval;
    const percent = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
    const text = `${options.label}: ${done} of ${total} (${percent}%)`;
    options.write(options.interactive ? `\r${text}${finished ? '\n' : ''}` : `${text}\n`);
    drawn = true;
  };
}
