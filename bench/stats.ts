/** Small statistics and the report table shared by the benchmarks. */

/** One row of the report: a goal, what was measured, the same-run baseline and the verdict. */
export interface GoalRow {
  goal: string;
  measured: string;
  baseline: string;
  ratio: string;
  pass: boolean;
}

/** The q-quantile (0..1) of a sample, nearest-rank. */
export const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

/** The median of a sample. */
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Milliseconds with a sensible number of digits. */
export const ms = (v: number): string => (v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);

/** A difference in milliseconds, with its sign. */
export const plusMs = (v: number): string => `${v < 0 ? '-' : '+'}${ms(Math.abs(v))}`;

/** Kibibytes. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** A ratio as `1.07×`. */
export const times = (r: number): string => `${r.toFixed(2)}×`;

/** Prints rows as a fixed-width table. */
export const printTable = (rows: readonly GoalRow[]): string => {
  const head = ['goal', 'measured', 'baseline', 'ratio', 'result'];
  const cells = rows.map((r) => [r.goal, r.measured, r.baseline, r.ratio, r.pass ? 'pass' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
};
