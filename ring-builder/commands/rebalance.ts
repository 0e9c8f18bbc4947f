/** rebalance and plan: move partitions, or show what a rebalance would move without writing. */
import { parseArgs } from 'node:util';
import { RingBuilderError } from '../builder-error.js';
import { deserializeBuilder, serializeBuilder } from '../builder-file.js';
import { MAX_BALANCE, type RingBuilder } from '../builder.js';
import { formatDuration, RULE } from '../format.js';
import { progressReporter } from '../progress.js';
import type { RebalanceResult } from '../rebalance.js';
import {
  EXIT_ERROR,
  EXIT_SUCCESS,
  EXIT_WARNING,
  type Command,
  type CommandContext,
} from './context.js';
import { parseInteger } from './device-options.js';

function parseRebalanceArgs(args: string[]): { force: boolean; seed: number | undefined } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        force: { type: 'boolean', short: 'f' },
        seed: { type: 'string', short: 's' },
        debug: { type: 'boolean', short: 'd' },
      },
    });
  } catch (err) {
    throw new RingBuilderError((err as Error).message);
  }
  const seedText = parsed.values.seed ?? parsed.positionals[0];
  return {
    force: parsed.values.force === true,
    seed: seedText === undefined ? undefined : parseInteger(seedText, 'seed'),
  };
}

function runRebalance(
  ctx: CommandContext,
  builder: RingBuilder,
  seed: number | undefined,
): RebalanceResult {
  const onProgress = progressReporter({
    write: (text) => ctx.io.progress(text),
    interactive: ctx.io.interactive,
    label: 'Placing replicas',
  });
  try {
    return builder.rebalance({ seed, now: ctx.now(), onProgress });
  } catch (err) {
    if (!(err instanceof RingBuilderError)) throw err;
    ctx.io.out(RULE);
    ctx.io.out(
      `An error has occurred during ring validation. Common\ncauses of failure are rings that are empty or do not\nhave enough devices to accommodate the replica count.\nOriginal exception message:\n ${err.message}`,
    );
    ctx.io.out(RULE);
    throw new HandledError();
  }
}

/** Thrown after the error was already reported, to exit 2 without a second message. */
class HandledError extends Error {}

export const rebalance: Command = {
  name: 'rebalance',
  usage: `stratus-ring-builder <builder_file> rebalance [--force] [--seed <seed>]
    Attempts to rebalance the ring by reassigning partitions that haven't been
    recently reassigned. --seed makes the result reproducible.`,
  async run(ctx, args) {
    const { force, seed } = parseRebalanceArgs(args);
    const builder = await ctx.load();
    const devsChanged = builder.devsChanged;
    const secondsLeft = builder.minPartSecondsLeft(ctx.now());
    const hadRemovals = builder.pendingRemoval.size > 0;
    const lastBalance = builder.getBalance();
    const lastDispersion = builder.hasTable ? builder.getDispersion() : undefined;
    let result: RebalanceResult;
    try {
      result = runRebalance(ctx, builder, seed);
    } catch (err) {
      if (err instanceof HandledError) return EXIT_ERROR;
      throw err;
    }
    if (result.movedReplicas === 0 && !force && !hadRemovals) {
      ctx.io.out('No partitions could be reassigned.');
      if (secondsLeft > 0) {
        ctx.io.out(
          `The time between rebalances must be at least min_part_hours: ${builder.minPartHours} hours ` +
            `(${formatDuration(builder.minPartSecondsLeft(ctx.now()))} remaining)`,
        );
      } else {
        ctx.io.out('There is no need to do so at this time');
      }
      return EXIT_WARNING;
    }
    const balanceChanged =
      Math.abs(lastBalance - result.balance) >= 1 ||
      (lastBalance === MAX_BALANCE && result.balance === MAX_BALANCE);
    const dispersionChanged =
      lastDispersion === undefined || Math.abs(lastDispersion - result.dispersion) >= 1;
    if (!force && !devsChanged && !balanceChanged && !dispersionChanged) {
      ctx.io.out('Cowardly refusing to save rebalance as it did not change at least 1%.');
      return EXIT_WARNING;
    }
    builder.validate();
    ctx.io.out(
      `Reassigned ${result.movedReplicas} (${((100 * result.movedReplicas) / builder.partCount).toFixed(2)}%) partitions. ` +
        `Balance is now ${result.balance.toFixed(2)}.  Dispersion is now ${result.dispersion.toFixed(2)}`,
    );
    let status = EXIT_SUCCESS;
    if (result.dispersion > 0) {
      ctx.io.out(RULE);
      ctx.io.out(
        `NOTE: Dispersion of ${result.dispersion.toFixed(6)} indicates some parts are not\n      optimally dispersed.\n\n      You may want to adjust some device weights or review the\n      dispersion report.`,
      );
      ctx.io.out(RULE);
      status = EXIT_WARNING;
    } else if (result.balance > 5) {
      ctx.io.out(RULE);
      ctx.io.out(
        `NOTE: Balance of ${result.balance.toFixed(2)} indicates you should push this \n      ring, wait at least ${builder.minPartHours} hours, and rebalance/repush.`,
      );
      ctx.io.out(RULE);
      status = EXIT_WARNING;
    }
    await ctx.writeRing(builder);
    await ctx.save(builder, { backup: true });
    return status;
  },
};

export const plan: Command = {
  name: 'plan',
  usage: `stratus-ring-builder <builder_file> plan [--seed <seed>]
    Shows what a rebalance would move, per device and as a share of all data,
    without writing anything. Run rebalance with the same --seed to get
    exactly the plan shown.`,
  async run(ctx, args) {
    const { seed } = parseRebalanceArgs(args);
    const current = await ctx.load();
    const planned = deserializeBuilder(serializeBuilder(current), ctx.builderPath);
    let result: RebalanceResult;
    try {
      result = runRebalance(ctx, planned, seed);
    } catch (err) {
      if (err instanceof HandledError) return EXIT_ERROR;
      throw err;
    }
    const slots = planned.replicaRowLengths().reduce((sum, n) => sum + n, 0);
    ctx.io.out(`Plan for ${ctx.builderPath} (nothing was written):`);
    ctx.io.out(
      `A rebalance would move ${result.movedReplicas} replicas in ${result.changedParts} partitions: ` +
        `${((100 * result.movedReplicas) / slots).toFixed(2)}% of the data.`,
    );
    ctx.io.out(
      `Balance would be ${result.balance.toFixed(2)} (now ${current.getBalance().toFixed(2)}).  ` +
        `Dispersion would be ${result.dispersion.toFixed(2)} (now ${(current.hasTable ? current.getDispersion() : 0).toFixed(2)})`,
    );
    ctx.io.out(
      `${'id'.padStart(6)} ${'device'.padEnd(32)} ${'weight'.padStart(8)} ${'parts now'.padStart(10)} ${'after'.padStart(10)} ${'in'.padStart(8)} ${'out'.padStart(8)}  share moved`,
    );
    const flows = planFlows(current, planned);
    for (const dev of current.devices) {
      const flow = flows.get(dev.id) ?? { gained: 0, lost: 0 };
      const after = planned.devs[dev.id]?.parts ?? 0;
      const name = `r${dev.region}z${dev.zone}-${dev.ip}:${dev.port}/${dev.device}`;
      const status = current.pendingRemoval.has(dev.id) ? ' (removed)' : '';
      ctx.io.out(
        `${String(dev.id).padStart(6)} ${name.padEnd(32)} ${dev.weight.toFixed(2).padStart(8)} ${String(dev.parts).padStart(10)} ` +
          `${String(after).padStart(10)} ${`+${flow.gained}`.padStart(8)} ${`-${flow.lost}`.padStart(8)}  ` +
          `${((100 * (flow.gained + flow.lost)) / Math.max(1, slots)).toFixed(2)}%${status}`,
      );
    }
    return EXIT_SUCCESS;
  },
};

/** Replicas each device would gain and lose going from `before` to `after`. */
function planFlows(
  before: RingBuilder,
  after: RingBuilder,
): Map<number, { gained: number; lost: number }> {
  const flows = new Map<number, { gained: number; lost: number }>();
  const flow = (id: number): { gained: number; lost: number } => {
    let entry = flows.get(id);
    if (!entry) flows.set(id, (entry = { gained: 0, lost: 0 }));
    return entry;
  };
  const rows = Math.max(before.table.length, after.table.length);
  for (let replica = 0; replica < rows; replica++) {
    const oldRow = before.table[replica];
    const newRow = after.table[replica];
    for (let part = 0; part < before.partCount; part++) {
      const oldId = oldRow?.[part];
      const newId = newRow?.[part];
      if (oldId === newId) continue;
      if (oldId !== undefined) flow(oldId).lost++;
      if (newId !== undefined) flow(newId).gained++;
    }
  }
  return flows;
}
