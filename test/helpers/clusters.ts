/** Builders for test clusters: regular layouts and seeded random ones. */
import { RingBuilder } from '../../ring-builder/builder.js';
import { seededRandom } from '../../ring-builder/random.js';

export interface Layout {
  regions: number;
  zonesPerRegion: number;
  hostsPerZone: number;
  devicesPerHost: number;
  weight?: (region: number, zone: number, host: number, device: number) => number;
}

export function layoutBuilder(
  partPower: number,
  replicas: number,
  minPartHours: number,
  layout: Layout,
): RingBuilder {
  const builder = new RingBuilder(partPower, replicas, minPartHours);
  for (let r = 1; r <= layout.regions; r++) {
    for (let z = 1; z <= layout.zonesPerRegion; z++) {
      for (let h = 1; h <= layout.hostsPerZone; h++) {
        for (let d = 1; d <= layout.devicesPerHost; d++) {
          builder.addDevice({
            region: r,
            zone: z,
            ip: `10.${r}.${z}.${h}`,
            port: 6200,
            device: `sd${String.fromCharCode(96 + d)}`,
            weight: layout.weight?.(r, z, h, d) ?? 100,
          });
        }
      }
    }
  }
  return builder;
}

/** A random but reproducible cluster: 1–3 regions, 1–4 zones, 1–4 hosts, 1–3 devices. */
export function randomBuilder(seed: number, partPower = 12, replicas = 3): RingBuilder {
  const random = seededRandom(seed);
  const pick = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const weights = [50, 100, 100, 150, 200];
  let builder: RingBuilder;
  do {
    builder = layoutBuilder(partPower, replicas, 1, {
      regions: pick(1, 3),
      zonesPerRegion: pick(1, 4),
      hostsPerZone: pick(1, 4),
      devicesPerHost: pick(1, 3),
      weight: () => weights[pick(0, weights.length - 1)]!,
    });
  } while (builder.devices.length < Math.ceil(replicas));
  return builder;
}

/** Partition → device ids of its replicas. */
export function assignments(builder: RingBuilder): number[][] {
  return Array.from({ length: builder.partCount }, (_, part) =>
    builder.table.filter((row) => part < row.length).map((row) => row[part]!),
  );
}
