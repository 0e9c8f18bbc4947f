import type { ConfigSection } from '../../common/config.js';
import type { ProxyContext } from '../context.js';
import type { Middleware } from '../pipeline.js';

/** Builds a pipeline filter from its `[filter:<name>]` section (Swift's filter_factory). */
export type FilterFactory = (conf: ConfigSection, ctx: ProxyContext) => Middleware;
