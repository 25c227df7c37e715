/**
 * Time partitions: `samples` and `rollup_1m` have one partition per UTC day, `rollup_1h` one
 * per UTC month. They are created ahead of time (see retention.ts) and on demand before any
 * batch that needs one commits, so a late or early sample never fails a batch. There is no
 * DEFAULT partition: rows in one would make creating their day's partition later a scan and a
 * move, and retention could not drop them whole.
 *
 * Creating and dropping happen in short transactions of their own, apart from ingest, one hub
 * replica at a time (an advisory lock).
 */
import type pg from 'pg';
import type { Logger } from '@davy/runtime';
import { advisoryLocks, inTransaction, lockFor } from './pool.js';

export const dayMs = 86_400_000;

export type PartitionedTable = 'samples' | 'rollup_1m' | 'rollup_1h';

const periods: Record<PartitionedTable, 'day' | 'month'> = { samples: 'day', rollup_1m: 'day', rollup_1h: 'month' };

/**
 * Rollup rows are rewritten at every commit that adds to their bucket: room left in each page
 * lets PostgreSQL update them in place (HOT), without a new index entry per update. Samples
 * are only appended.
 */
const storage: Record<PartitionedTable, string> = { samples: '', rollup_1m: ' WITH (fillfactor = 70)', rollup_1h: ' WITH (fillfactor = 70)' };

export interface PartitionRange {
  table: PartitionedTable;
  name: string;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

/** The UTC calendar date of a day number (days since 1970-01-01), proleptic Gregorian, for any day. */
function civilDate(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth: dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1 };
}

/** The day number of a UTC calendar date; the inverse of civilDate. */
function dayNumber(year: number, month: number, dayOfMonth: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + dayOfMonth - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

const digits = (value: number, width: number) => String(Math.abs(value)).padStart(width, '0');

/** The partition of `table` that holds `timeMs`, named by its UTC date: samples_20261126, rollup_1h_202611. */
export function partitionOf(table: PartitionedTable, timeMs: number): PartitionRange {
  const day = Math.floor(timeMs / dayMs);
  const { year, month, dayOfMonth } = civilDate(day);
  const yearText = `${year < 0 ? 'n' : ''}${digits(year, 4)}`;
  if (periods[table] === 'day') {
    return { table, name: `${table}_${yearText}${digits(month, 2)}${digits(dayOfMonth, 2)}`, fromMs: day * dayMs, toMs: (day + 1) * dayMs };
  }
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return { table, name: `${table}_${yearText}${digits(month, 2)}`, fromMs: dayNumber(year, month, 1) * dayMs, toMs: dayNumber(next.year, next.month, 1) * dayMs };
}

const int8Limit = 2 ** 63;

/** A bound as PostgreSQL reads it; past bigint's range (an absurd clock) the open end. */
function bound(ms: number): string {
  return ms >= int8Limit ? 'MAXVALUE' : ms < -int8Limit ? 'MINVALUE' : String(ms);
}

function parseBound(text: string): number {
  if (text === 'MINVALUE') return -Infinity;
  if (text === 'MAXVALUE') return Infinity;
  return Number(text.replace(/'/g, ''));
}

export class Partitions {
  /** Partitions known to exist; forgotten after a failed commit, when one may have been dropped meanwhile. */
  private readonly known = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Makes sure rows at these times have their partition in every partitioned table. */
  async ensure(times: Iterable<number>): Promise<void> {
    const days = new Set<number>();
    for (const timeMs of times) days.add(Math.floor(timeMs / dayMs));
    const missing = new Map<string, PartitionRange>();
    for (const day of days) {
      for (const table of Object.keys(periods) as PartitionedTable[]) {
        const range = partitionOf(table, day * dayMs);
        if (!this.known.has(range.name)) missing.set(range.name, range);
      }
    }
    if (missing.size > 0) await this.create([...missing.values()]);
  }

  private async create(ranges: PartitionRange[]): Promise<void> {
    const created = await inTransaction(this.pool, async (client) => {
      await lockFor(client, advisoryLocks.partitions);
      const existing = new Map<PartitionedTable, PartitionRange[]>();
      const made: PartitionRange[] = [];
      for (const range of ranges) {
        if (!existing.has(range.table)) existing.set(range.table, await listPartitions(client, range.table));
        // Another replica, or an operator, may have made it already, under any name.
        if (existing.get(range.table)!.some((other) => other.fromMs <= range.fromMs && other.toMs >= range.toMs)) continue;
        await client.query(`CREATE TABLE "${range.name}" PARTITION OF ${range.table} FOR VALUES FROM (${bound(range.fromMs)}) TO (${bound(range.toMs)})${storage[range.table]}`);
        made.push(range);
      }
      return made;
    });
    for (const range of ranges) this.known.add(range.name);
    for (const range of created) this.log.info('store.partition_created', { table: range.table, partition: range.name, fromMs: range.fromMs, toMs: range.toMs });
  }

  /** Drops the partitions of `tables` that hold nothing at or after `cutoffMs`. */
  async dropBefore(tables: PartitionedTable[], cutoffMs: number): Promise<PartitionRange[]> {
    const dropped = await inTransaction(this.pool, async (client) => {
      await lockFor(client, advisoryLocks.partitions);
      // Dropping waits for the transactions using the table, and every new one waits behind
      // it: rather give up and try at the next round than stall ingest behind a long read.
      await client.query("SET LOCAL lock_timeout = '5s'");
      const old: PartitionRange[] = [];
      for (const table of tables) old.push(...(await listPartitions(client, table)).filter((range) => range.toMs <= cutoffMs));
      for (const range of old) await client.query(`DROP TABLE "${range.name}"`);
      return old;
    });
    for (const range of dropped) {
      this.known.delete(range.name);
      this.log.info('store.partition_dropped', { table: range.table, partition: range.name, fromMs: range.fromMs, toMs: range.toMs });
    }
    return dropped;
  }

  forget(): void {
    this.known.clear();
  }

  list(table: PartitionedTable): Promise<PartitionRange[]> {
    return listPartitions(this.pool, table);
  }
}

/** A table's range partitions with their bounds, from the catalog, oldest first. */
async function listPartitions(client: pg.Pool | pg.PoolClient, table: PartitionedTable): Promise<PartitionRange[]> {
  const { rows } = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return rows
    .flatMap((row) => {
      const match = /FROM \((.+)\) TO \((.+)\)/.exec(row.bound);
      return match ? [{ table, name: row.name, fromMs: parseBound(match[1]!), toMs: parseBound(match[2]!) }] : [];
    })
    .sort((a, b) => a.fromMs - b.fromMs);
}
