#!/usr/bin/env node
/** The `stratus-ring-builder` executable. */
import { createInterface } from 'node:readline/promises';
import { runCli } from './run-cli.js';

async function ask(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  process.stdout.write(question);
  try {
    const line = await new Promise<string | undefined>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(undefined));
    });
    return line;
  } finally {
    rl.close();
  }
}

const code = await runCli(process.argv.slice(2), {
  out: (line = '') => process.stdout.write(`${line}\n`),
  err: (line = '') => process.stderr.write(`${line}\n`),
  progress: (text) => process.stderr.write(text),
  ask,
  interactive: process.stderr.isTTY === true,
});
process.exitCode = code;
