import { parseArgs } from 'node:util';
import { RingBuilderError } from '../builder-error.js';
import { dispersionReport } from '../dispersion.js';
import { dispersionLines } from '../format.js';
import { EXIT_ERROR, EXIT_SUCCESS, EXIT_WARNING, type Command } from './context.js';

export const dispersion: Command = {
  name: 'dispersion',
  usage: `stratus-ring-builder <builder_file> dispersion <search_filter> [options]

    Output report on dispersion.

    --verbose option will display dispersion graph broken down by tier

    You can filter which tiers are evaluated to drill down using a regex
    in the optional search_filter argument.  i.e.

        stratus-ring-builder <builder_file> dispersion "r\\d+z\\d+$" -v

    ... would only display rows for the zone tiers

    The reports columns are:

    Tier  : the name of the tier
    parts : the total number of partitions with assignment in the tier
    %     : the percentage of parts in the tier with replicas over assigned
    max   : maximum replicas a part should have assigned at the tier
    0 - N : the number of parts with that many replicas assigned`,
  async run(ctx, args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { verbose: { type: 'boolean', short: 'v' }, recalculate: { type: 'boolean' } },
      });
    } catch (err) {
      throw new RingBuilderError((err as Error).message);
    }
    const builder = await ctx.load();
    if (!builder.hasTable) {
      ctx.io.out(
        `Specified builder file "${ctx.builderPath}" is not rebalanced yet. Please rebalance first.`,
      );
      return EXIT_ERROR;
    }
    let filter: RegExp | undefined;
    if (parsed.positionals[0] !== undefined) {
      try {
        filter = new RegExp(parsed.positionals[0]);
      } catch {
        throw new RingBuilderError(`Invalid search_filter regex: ${parsed.positionals[0]}`);
      }
    }
    const tree = builder.tierTree();
    const report = dispersionReport(
      tree,
      builder.partCount,
      Math.ceil(builder.replicas),
      (part) => builder.partLeaves(tree, part),
      filter,
    );
    for (const line of dispersionLines(
      report,
      builder,
      builder.getDispersion(tree),
      parsed.values.verbose === true,
    )) {
      ctx.io.out(line);
    }
    return report.worst ? EXIT_WARNING : EXIT_SUCCESS;
  },
};
