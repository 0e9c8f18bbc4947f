import { afterEach, describe, expect, it, vi } from 'vitest';
import { planLayout } from '../../../local-cluster/layout.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cluster layout', () => {
  it('gives every server of a cluster its own free port, even when a pick repeats', async () => {
    // The same random draw twice in a row would name the same (free) port twice.
    const random = vi.spyOn(Math, 'random');
    for (let i = 0; i < 6; i++) random.mockReturnValueOnce(0.25);
    const layout = await planLayout({ dataDir: '/tmp/unused', nodes: 4, identity: true });
    const ports = [
      layout.proxy.port,
      layout.identity!.port,
      ...layout.nodes.flatMap((node) => Object.values(node.ports)),
    ];
    expect(ports).toHaveLength(14);
    expect(new Set(ports).size).toBe(14);
  });

  it('derives the ports from a given proxy port', async () => {
    const layout = await planLayout({ dataDir: '/tmp/unused', nodes: 2, proxyPort: 9080 });
    expect(layout.nodes.map((node) => node.ports)).toEqual([
      { object: 9081, container: 9082, account: 9083 },
      { object: 9084, container: 9085, account: 9086 },
    ]);
  });
});
