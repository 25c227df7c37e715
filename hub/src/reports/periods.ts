/** Report periods: a day, a month or a year in a UTC offset (China: +08:00), as [from, to) in Unix ms. */
export type PeriodKind = 'day' | 'month' | 'year';

export interface Period {
  kind: PeriodKind;
  /** As asked: 2026-10-05, 2026-10 or 2026. */
  label: string;
  fromMs: number;
  toMs: number;
  utcOffsetMs: number;
}

const patterns: Record<PeriodKind, RegExp> = { day: /^(\d{4})-(\d{2})-(\d{2})$/, month: /^(\d{4})-(\d{2})$/, year: /^(\d{4})$/ };
const examples: Record<PeriodKind, string> = { day: '2026-10-05', month: '2026-10', year: '2026' };

/** The period `label` names, or why it names none. */
export function parsePeriod(kind: PeriodKind, label: string, utcOffsetMs: number): Period | string {
  const match = patterns[kind].exec(label);
  if (!match) return `is not a ${kind} as YYYY${kind === 'year' ? '' : kind === 'month' ? '-MM' : '-MM-DD'}, e.g. ${examples[kind]}`;
  const [y, m, d] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
  const start = Date.UTC(y, m - 1, d);
  const check = new Date(start);
  if (y < 1970 || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return `is not a real ${kind}, e.g. ${examples[kind]}`;
  const end = kind === 'day' ? Date.UTC(y, m - 1, d + 1) : kind === 'month' ? Date.UTC(y, m, 1) : Date.UTC(y + 1, 0, 1);
  return { kind, label, fromMs: start - utcOffsetMs, toMs: end - utcOffsetMs, utcOffsetMs };
}
