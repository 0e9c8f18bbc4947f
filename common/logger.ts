/**
 * Structured logging: JSON lines on stdout via pino, one logger per process (`server` names
 * the role), and a child logger per request carrying its transaction id, so every line a
 * request causes, on every process it touches, can be found by `txId`.
 */
import { randomBytes } from 'node:crypto';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The process role, e.g. `proxy-server` or `storage-node`. */
  server: string;
  level?: LevelWithSilent;
  /** Extra fields on every line (e.g. the listening port). */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { server: options.server, pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Tokens are credentials: log only that one was sent.
      redact: {
        paths: ['headers["x-auth-token"]', 'headers["x-storage-token"]'],
        censor: '<redacted>',
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
  return logger;
}

/** A logger every line of which carries the request's transaction id. */
export function requestLogger(logger: Logger, txId: string): Logger {
  return logger.child({ txId });
}

// Random bytes drawn 4 KiB at a time: one call per request cost 2.5% of a proxy's CPU on small
// GETs (bench/README.md).
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomHex21(): string {
  if (randomOffset + 11 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + 11).slice(0, 21);
  randomOffset += 11;
  return hex;
}

/**
 * Swift's transaction id: `tx` + 21 random hex digits + `-` + the Unix time as 10 hex digits,
 * then an optional caller-supplied suffix (`X-Trans-Id-Extra`, at most 32 characters).
 */
export function generateTransId(extra = ''): string {
  const random = randomHex21();
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(10, '0');
  const suffix = extra.replace(/[^\w.-]/g, '').slice(0, 32);
  return `tx${random}-${time}${suffix}`;
}

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];
