/** Small commands: validate, write_ring, pretend_min_part_hours_passed, set_min_part_hours, set_replicas. */
import { EXIT_ERROR, EXIT_SUCCESS, type Command } from './context.js';
import { parseInteger } from './device-options.js';

export const validate: Command = {
  name: 'validate',
  usage: `stratus-ring-builder <builder_file> validate
    Just runs the validation routines on the ring.`,
  async run(ctx) {
    (await ctx.load()).validate();
    return EXIT_SUCCESS;
  },
};

export const writeRing: Command = {
  name: 'write_ring',
  usage: `stratus-ring-builder <builder_file> write_ring
    Just rewrites the distributable ring file. This is done automatically after
    a successful rebalance, so really this is only useful after one or more
    'set_info' calls when no rebalance is needed but you want to send out the
    new device information.`,
  async run(ctx) {
    const builder = await ctx.load();
    if (builder.devices.length === 0) {
      ctx.io.out('Unable to write empty ring.');
      return EXIT_ERROR;
    }
    if (!builder.hasTable) {
      ctx.io.out(
        'Unable to write a ring with no partition assignments; did you forget to run "rebalance"?',
      );
      return EXIT_ERROR;
    }
    await ctx.writeRing(builder);
    return EXIT_SUCCESS;
  },
};

export const pretendMinPartHoursPassed: Command = {
  name: 'pretend_min_part_hours_passed',
  usage: `stratus-ring-builder <builder_file> pretend_min_part_hours_passed
    Resets the clock on the last time a rebalance happened, thus
    circumventing the min_part_hours check.

    *****************************
    USE THIS WITH EXTREME CAUTION
    *****************************

    If you run this command and deploy rebalanced rings before a replication
    pass completes, you may introduce unavailability in your cluster. This
    has an end-user impact.`,
  async run(ctx) {
    const builder = await ctx.load();
    builder.pretendMinPartHoursPassed();
    await ctx.save(builder);
    return EXIT_SUCCESS;
  },
};

export const setMinPartHours: Command = {
  name: 'set_min_part_hours',
  usage: `stratus-ring-builder <builder_file> set_min_part_hours <hours>
    Changes the <min_part_hours> to the given <hours>. This should be set to
    however long a full replication/update cycle takes.`,
  async run(ctx, args) {
    if (args.length !== 1) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    const builder = await ctx.load();
    builder.setMinPartHours(parseInteger(args[0]!, 'min_part_hours'));
    ctx.io.out(
      `The minimum number of hours before a partition can be reassigned is now set to ${builder.minPartHours}`,
    );
    await ctx.save(builder);
    return EXIT_SUCCESS;
  },
};

export const setReplicas: Command = {
  name: 'set_replicas',
  usage: `stratus-ring-builder <builder_file> set_replicas <replicas>
    Changes the replica count to the given <replicas>. <replicas> may
    be a floating-point value, in which case some partitions will have
    floor(<replicas>) replicas and some will have ceiling(<replicas>)
    in the correct proportions.

    A rebalance is needed to make the change take effect.`,
  async run(ctx, args) {
    const replicas = Number(args[0]);
    if (args.length !== 1 || args[0]!.trim() === '' || !Number.isFinite(replicas)) {
      ctx.io.out(this.usage);
      if (args.length === 1) ctx.io.out(`"${args[0]}" is not a valid number.`);
      return EXIT_ERROR;
    }
    if (replicas < 1) {
      ctx.io.out('Replica count must be at least 1.');
      return EXIT_ERROR;
    }
    const builder = await ctx.load();
    builder.setReplicas(replicas);
    ctx.io.out(`The replica count is now ${replicas.toFixed(6)}.`);
    ctx.io.out('The change will take effect after the next rebalance.');
    await ctx.save(builder);
    return EXIT_SUCCESS;
  },
};
