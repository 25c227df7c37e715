/** How every benchmark prints: one row per figure, with its ceiling and the ratio to it. */
import os from 'node:os';
import { formatTable } from '@davy/runtime';

export interface Figure {
  measure: string;
  value: number;
  unit: string;
  /** The raw ceiling for the same work, measured in the same run. */
  ceiling?: number;
  note?: string;
}

const number = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3));

export function printFigures(figures: Figure[]): void {
  const rows = figures.map((figure) => [
    figure.measure,
    `${number(figure.value)} ${figure.unit}`,
    figure.ceiling === undefined ? '' : `${number(figure.ceiling)} ${figure.unit}`,
    figure.ceiling === undefined ? '' : (figure.value / figure.ceiling).toFixed(2),
    figure.note ?? '',
  ]);
  process.stdout.write(formatTable(['MEASURE', 'VALUE', 'RAW CEILING', 'RATIO', 'NOTE'], rows));
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Median of a few runs: one noisy neighbour on a shared machine should not set the figure. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
