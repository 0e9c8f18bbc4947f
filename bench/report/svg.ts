/**
 * Charts as plain SVG text (no browser, no library): a per-second timeline for one run, a
 * side-by-side chart per scenario for a comparison, and the ratio chart with targets.
 */

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
export const COLORS = { stratus: '#2b7bb9', swift: '#e0752d', target: '#3a3', grid: '#ddd' };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function document(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  // An attribute may appear once per element (XML): the default size only when none is given.
  const size = attrs.includes('font-size=') ? '' : ' font-size="12"';
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT}${size} ${attrs}>${esc(content)}</text>`;
}

/** A round axis maximum: 1, 2 or 5 times a power of ten, at least `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function formatNumber(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en').replace(/,/g, ' ');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Y axis with 5 grid lines over [top, bottom] for values 0..max. */
function yAxis(
  [left, right, top, bottom]: readonly [number, number, number, number],
  max: number,
  label: string,
  labelX = 14,
): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const y = bottom - ((bottom - top) * i) / 5;
    out.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`);
    out.push(
      text(left - 6, y + 4, formatNumber((max * i) / 5), 'text-anchor="end" font-size="11"'),
    );
  }
  const middle = (top + bottom) / 2;
  out.push(
    text(labelX, middle, label, `transform="rotate(-90 ${labelX} ${middle})" text-anchor="middle"`),
  );
  return out;
}

/** Requests completed in each second of one run, with its latency percentiles in the title. */
export function timelineChart(title: string, subtitle: string, values: readonly number[]): string {
  const [width, height, left, right, top, bottom] = [640, 300, 70, 620, 50, 260];
  const max = niceMax(Math.max(1, ...values));
  const x = (i: number) => left + ((right - left) * i) / Math.max(1, values.length - 1);
  const y = (v: number) => bottom - ((bottom - top) * v) / max;
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return document(width, height, [
    text(left, 20, title, 'font-size="15" font-weight="bold"'),
    text(left, 38, subtitle, 'fill="#555"'),
    ...yAxis([left, right, top, bottom], max, 'responses per second'),
    `<polyline fill="none" stroke="${COLORS.stratus}" stroke-width="2" points="${points}"/>`,
    text((left + right) / 2, bottom + 30, 'seconds into the run', 'text-anchor="middle"'),
  ]);
}

export interface SideBySide {
  title: string;
  unit: string;
  /** Headline figure per round, per system. */
  rounds: { stratus: readonly number[]; swift: readonly number[] };
  /** Median latency percentiles (ms) per system. */
  latency: { stratus: readonly number[]; swift: readonly number[] };
  note: string;
}

/** Left: the headline figure of every round for both systems; right: p50/p99/p999 latency. */
export function sideBySideChart(chart: SideBySide): string {
  const [width, height, top, bottom] = [760, 320, 56, 260];
  const body: string[] = [
    text(20, 22, chart.title, 'font-size="15" font-weight="bold"'),
    text(20, 40, chart.note, 'fill="#555"'),
  ];
  const panel = (
    left: number,
    right: number,
    groups: string[],
    series: { stratus: readonly number[]; swift: readonly number[] },
    label: string,
  ) => {
    const max = niceMax(Math.max(...series.stratus, ...series.swift, 0));
    body.push(...yAxis([left, right, top, bottom], max, label, left - 50));
    const slot = (right - left) / groups.length;
    groups.forEach((group, i) => {
      const values = [series.stratus[i] ?? 0, series.swift[i] ?? 0];
      values.forEach((v, j) => {
        const barWidth = slot * 0.32;
        const x = left + slot * i + slot * 0.15 + j * (barWidth + 4);
        const h = ((bottom - top) * v) / max;
        const color = j === 0 ? COLORS.stratus : COLORS.swift;
        body.push(
          `<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
        );
        body.push(
          text(
            x + barWidth / 2,
            bottom - h - 3,
            formatNumber(v),
            'text-anchor="middle" font-size="9"',
          ),
        );
      });
      body.push(
        text(left + slot * (i + 0.5), bottom + 16, group, 'text-anchor="middle" font-size="11"'),
      );
    });
  };
  const rounds = Math.max(chart.rounds.stratus.length, chart.rounds.swift.length);
  panel(
    80,
    400,
    Array.from({ length: rounds }, (_, i) => `round ${i + 1}`),
    chart.rounds,
    chart.unit,
  );
  panel(500, 740, ['p50', 'p99', 'p99.9'], chart.latency, 'latency ms');
  body.push(
    `<rect x="80" y="${height - 30}" width="12" height="12" fill="${COLORS.stratus}"/>`,
    text(98, height - 20, 'Stratus'),
  );
  body.push(
    `<rect x="170" y="${height - 30}" width="12" height="12" fill="${COLORS.swift}"/>`,
    text(188, height - 20, 'OpenStack Swift'),
  );
  return document(width, height, body);
}

export interface RatioBar {
  label: string;
  ratio: number;
  min: number;
  max: number;
  target?: number;
}

/** Stratus/Swift per scenario on a log axis, with the spread over rounds and the target. */
export function ratioChart(title: string, bars: readonly RatioBar[]): string {
  const [left, right, rowHeight, top] = [230, 700, 22, 50];
  const height = top + bars.length * rowHeight + 50;
  const finite = bars
    .flatMap((b) => [b.max, b.target ?? 1])
    .filter((v) => Number.isFinite(v) && v > 0);
  const maxDecade = Math.ceil(Math.log10(Math.max(10, ...finite)));
  const minDecade = Math.min(
    -1,
    Math.floor(Math.log10(Math.min(1, ...bars.map((b) => b.min).filter((v) => v > 0)))),
  );
  const x = (v: number) =>
    left +
    ((right - left) * (Math.log10(Math.max(v, 10 ** minDecade)) - minDecade)) /
      (maxDecade - minDecade);
  const body: string[] = [text(20, 24, title, 'font-size="15" font-weight="bold"')];
  for (let d = minDecade; d <= maxDecade; d++) {
    body.push(
      `<line x1="${x(10 ** d)}" x2="${x(10 ** d)}" y1="${top - 6}" y2="${height - 40}" stroke="${d === 0 ? '#999' : COLORS.grid}"/>`,
    );
    body.push(text(x(10 ** d), height - 26, `${10 ** d}×`, 'text-anchor="middle" font-size="11"'));
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    body.push(text(left - 8, y + 13, bar.label, 'text-anchor="end" font-size="11"'));
    const met = bar.target === undefined || bar.ratio >= bar.target;
    body.push(
      `<rect x="${x(10 ** minDecade)}" y="${y + 3}" width="${Math.max(1, x(bar.ratio) - x(10 ** minDecade)).toFixed(1)}" height="${rowHeight - 8}" fill="${met ? COLORS.stratus : '#c44'}"/>`,
    );
    body.push(
      `<line x1="${x(bar.min).toFixed(1)}" x2="${x(bar.max).toFixed(1)}" y1="${y + rowHeight / 2 - 1}" y2="${y + rowHeight / 2 - 1}" stroke="#000"/>`,
    );
    if (bar.target !== undefined)
      body.push(
        `<line x1="${x(bar.target).toFixed(1)}" x2="${x(bar.target).toFixed(1)}" y1="${y + 1}" y2="${y + rowHeight - 3}" stroke="${COLORS.target}" stroke-width="3"/>`,
      );
    body.push(text(x(bar.ratio) + 4, y + 13, `${formatNumber(bar.ratio)}×`, 'font-size="10"'));
  });
  body.push(
    text(
      left,
      height - 8,
      'bar: median Stratus/Swift (red: target missed) · whisker: spread over rounds · green: target',
      'font-size="11" fill="#555"',
    ),
  );
  return document(760, height, body);
}
