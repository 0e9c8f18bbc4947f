/** The daemons a storage node runs. */
import type { NodeContext } from '../context.js';
import { ObjectReplicator } from '../replication/object-replicator.js';
import { ACCOUNT_DBS, CONTAINER_DBS } from '../db-replication/kinds.js';
import { DbReplicator, dbReplicatorSettings } from '../db-replication/replicator.js';
import { Auditor } from '../auditor/auditor.js';
import { ObjectExpirer } from '../expirer/expirer.js';
import { ContainerUpdater } from '../updater/container-updater.js';
import { ObjectUpdater } from '../updater/object-updater.js';
import { recordPasses, type Daemon, type PassOptions } from './daemon.js';

export function createDaemons(ctx: NodeContext): Daemon[] {
  const objectReplicator = new ObjectReplicator(ctx);
  const daemons: Daemon[] = [
    {
      name: 'object-replicator',
      runOnce: (options) =>
        objectReplicator.runOnce({
          ...options,
          concurrency: ctx.config.daemons['object-replicator'].concurrency,
        }),
      get lastPass() {
        return objectReplicator.lastPass;
      },
    },
    // Auditor, updaters, expirer: their settings (rates, concurrency) are read from their
    // config sections when they are made, so a typo there stops the node at start.
    fromPasses('object-auditor', new Auditor(ctx)),
    fromPasses('object-updater', new ObjectUpdater(ctx)),
    fromPasses('container-updater', new ContainerUpdater(ctx)),
    fromPasses('object-expirer', new ObjectExpirer(ctx)),
    fromPasses(
      'container-replicator',
      new DbReplicator(ctx, CONTAINER_DBS, dbReplicatorSettings(ctx, 'container-replicator')),
    ),
    fromPasses(
      'account-replicator',
      new DbReplicator(ctx, ACCOUNT_DBS, dbReplicatorSettings(ctx, 'account-replicator')),
    ),
  ];
  return daemons.map((daemon) => recordPasses(ctx.config, daemon));
}

/** A daemon from an object with `runOnce(options)` and `lastPass`. */
function fromPasses(
  name: Daemon['name'],
  runner: {
    runOnce(options?: PassOptions): Promise<object>;
    readonly lastPass: object | undefined;
  },
): Daemon {
  return {
    name,
    runOnce: (options) => runner.runOnce(options),
    get lastPass() {
      return runner.lastPass;
    },
  };
}
