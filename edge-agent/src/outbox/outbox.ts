/**
 * The agent's store-and-forward buffer: a SQLite file in WAL mode. Every record gets a
 * sequence number that is never reused, also across restarts; records leave only when the hub
 * acks them, or, when the file reaches its size cap, oldest first — then a gap record tells the
 * hub what was dropped.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, type Logger } from '@davy/runtime';
import { createOutboxSchema, recordKind } from './outbox-schema.js';
import type { GapRecord, NewRecord, OutboxRecord, QualityCode, SeriesDefinition } from './records.js';

export interface OutboxOptions {
  maxBytes: number;
  /** full: every commit is synced, so a power cut cannot roll back a sequence number. */
  sync: 'full' | 'normal';
  log: Logger;
  /** Share of the cap to free when it is reached, so drops come in chunks, not per append. */
  dropFraction?: number;
}

export interface OutboxStats {
  depth: number;
  oldestTimeMs: number | null;
  lastSeq: number;
  droppedTotal: number;
  sizeBytes: number;
}

type GapBody = Omit<GapRecord, 'kind' | 'timeMs'>;

/** Pages for the schema and the series table, on top of the records' share of the cap. */
const hardLimitSlackPages = 64;

interface RecordRow {
  seq: number;
  kind: number;
  series: number | null;
  time_ms: number;
  value: number | null;
  quality: number | null;
  body: string | null;
}

export class Outbox {
  readonly id: string;
  /** The highest sequence number when the file was opened: what an earlier run may have sent. */
  readonly openedSeq: number;
  private reconciled = false;
  private lastSeq: number;
  private droppedTotal: number;
  private readonly seriesByKey = new Map<string, number>();
  private readonly seriesById = new Map<number, SeriesDefinition>();
  private readonly listeners = new Set<() => void>();
  private readonly pageSize: number;
  private readonly dropFraction: number;
  /** Records appended since the file size was last measured. */
  private appendedSinceCheck = 0;
  private readonly statements;
  private readonly appendTransaction: (records: NewRecord[]) => number;

  private constructor(
    private readonly db: Database.Database,
    private readonly options: OutboxOptions,
  ) {
    const meta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    let id = meta.get('outbox_id')?.value;
    if (!id) {
      id = randomUUID();
      setMeta.run('outbox_id', id);
    }
    this.id = id;
    const maxStored = (db.prepare('SELECT MAX(seq) AS seq FROM records').get() as { seq: number | null }).seq ?? 0;
    this.lastSeq = Math.max(Number(meta.get('last_seq')?.value ?? 0), maxStored);
    this.openedSeq = this.lastSeq;
    this.droppedTotal = Number(meta.get('dropped_total')?.value ?? 0);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.dropFraction = options.dropFraction ?? 0.1;
    // A hard limit a little above the cap: the cap is checked every so many records, and this
    // makes sure the file never grows far past it meanwhile (SQLite then answers SQLITE_FULL,
    // handled like a full disk).
    db.pragma(`max_page_count = ${Math.ceil((options.maxBytes * 1.1) / this.pageSize) + hardLimitSlackPages}`);
    for (const row of db.prepare('SELECT id, key, device, point, metric, unit, interval_ms FROM series').all() as Array<SeriesDefinition & { id: number; interval_ms: number }>) {
      this.seriesByKey.set(row.key, row.id);
      this.seriesById.set(row.id, { key: row.key, device: row.device, point: row.point, metric: row.metric, unit: row.unit, intervalMs: row.interval_ms });
    }
    this.statements = {
      setMeta,
      insert: db.prepare('INSERT INTO records (seq, kind, series, time_ms, value, quality, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      readAfter: db.prepare<[number, number], RecordRow>('SELECT seq, kind, series, time_ms, value, quality, body FROM records WHERE seq > ? ORDER BY seq LIMIT ?'),
      deleteUpTo: db.prepare('DELETE FROM records WHERE seq <= ?'),
      insertSeries: db.prepare('INSERT INTO series (key, device, point, metric, unit, interval_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      updateSeries: db.prepare('UPDATE series SET device = ?, point = ?, metric = ?, unit = ?, interval_ms = ? WHERE id = ?'),
      depth: db.prepare('SELECT COUNT(*) AS depth, MIN(time_ms) AS oldest FROM records'),
      oldestRange: db.prepare<[number], { first: number | null; last: number | null; count: number; firstTime: number | null; lastTime: number | null }>(
        `SELECT MIN(seq) AS first, MAX(seq) AS last, COUNT(*) AS count,
                MIN(CASE WHEN kind != ${recordKind.gap} THEN time_ms END) AS firstTime,
                MAX(CASE WHEN kind != ${recordKind.gap} THEN time_ms END) AS lastTime
         FROM (SELECT seq, kind, time_ms FROM records ORDER BY seq LIMIT ?)`,
      ),
      gapsBetween: db.prepare<[number, number], { body: string }>(`SELECT body FROM records WHERE kind = ${recordKind.gap} AND seq BETWEEN ? AND ?`),
      setState: db.prepare('INSERT INTO agent_state (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms'),
    };
    this.appendTransaction = db.transaction((records: NewRecord[]) => {
      let seq = this.lastSeq;
      for (const record of records) this.insert(++seq, record);
      this.statements.setMeta.run('last_seq', String(seq));
      return seq;
    });
  }

  static open(file: string, options: OutboxOptions): Outbox {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    createOutboxSchema(db);
    return new Outbox(db, options);
  }

  /** Local ids of many series at once, in one transaction (a device's points at start). */
  seriesIds(definitions: SeriesDefinition[]): number[] {
    return this.db.transaction(() => definitions.map((definition) => this.seriesId(definition)))();
  }

  /** The local id of a series, defining it on first use (or updating what changed). */
  seriesId(definition: SeriesDefinition): number {
    const known = this.seriesByKey.get(definition.key);
    if (known !== undefined) {
      const stored = this.seriesById.get(known)!;
      if (!sameDefinition(stored, definition)) {
        this.statements.updateSeries.run(definition.device, definition.point, definition.metric, definition.unit, definition.intervalMs, known);
        this.seriesById.set(known, definition);
      }
      return known;
    }
    const { device, point, metric, unit, intervalMs } = definition;
    const id = Number(this.statements.insertSeries.run(definition.key, device, point, metric, unit, intervalMs).lastInsertRowid);
    this.seriesByKey.set(definition.key, id);
    this.seriesById.set(id, definition);
    return id;
  }

  seriesDefinition(id: number): SeriesDefinition | undefined {
    return this.seriesById.get(id);
  }

  /** Appends records in one transaction; returns the sequence numbers they got. */
  append(records: NewRecord[]): { firstSeq: number; lastSeq: number } {
    if (records.length === 0) return { firstSeq: this.lastSeq + 1, lastSeq: this.lastSeq };
    const firstSeq = this.lastSeq + 1;
    // Numbers count only once the transaction has committed: a rolled-back append uses none.
    this.lastSeq = this.appendMakingRoom(records);
    this.appendedSinceCheck += records.length;
    // Measuring the file costs two pragmas: do it once per ~0.1 % of the cap (a record takes
    // some 50 bytes), not on every append.
    if (this.appendedSinceCheck * 50 >= this.options.maxBytes / 1000) {
      this.appendedSinceCheck = 0;
      try {
        this.enforceCap();
      } catch (error) {
        // The records are in; the cap is tried again at the next check.
        this.options.log.error('outbox.cap_check_failed', { error: errorMessage(error) });
      }
    }
    for (const listener of this.listeners) listener();
    return { firstSeq, lastSeq: this.lastSeq };
  }

  /**
   * When the disk (or the file's hard limit) is full before the cap, the oldest records make
   * room, as when the cap is reached — a larger share at each try, until the append fits or
   * nothing is left to drop.
   */
  private appendMakingRoom(records: NewRecord[]): number {
    for (let share = this.dropFraction; share < 1; share *= 2) {
      try {
        return this.appendTransaction(records);
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_FULL' || (this.statements.depth.get() as { depth: number }).depth === 0) throw error;
        const used = this.usedBytes();
        this.dropOldest(used, Math.min(used, this.options.maxBytes) * (1 - share), 'disk full');
      }
    }
    return this.appendTransaction(records);
  }

  /** Calls `listener` after every append (the uplink wakes up on it). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readAfter(seq: number, limit: number): OutboxRecord[] {
    return this.statements.readAfter.all(seq, limit).map(toRecord);
  }

  /**
   * The first word from the hub after this file was opened: its watermark for this outbox.
   * Normally it is at most what the file has numbered. It is higher when the file lost its
   * newest records after they had reached the hub (a restored backup, or a power cut with
   * sync normal): the records appended since opening then carry numbers the hub already
   * holds for other records, and would be skipped. They are renumbered above the watermark.
   */
  reconcile(hubWatermark: number): void {
    if (this.reconciled) return;
    this.reconciled = true;
    if (hubWatermark <= this.openedSeq) return;
    const shift = hubWatermark - this.openedSeq;
    const appended = this.lastSeq - this.openedSeq;
    this.db.transaction(() => {
      // Through negative numbers, so no row collides with another while they move.
      this.db.prepare('UPDATE records SET seq = -(seq + ?) WHERE seq > ?').run(shift, this.openedSeq);
      this.db.prepare('UPDATE records SET seq = -seq WHERE seq < 0').run();
      this.statements.setMeta.run('last_seq', String(this.lastSeq + shift));
    })();
    this.lastSeq += shift;
    this.options.log.error('outbox.sequence_behind_hub', { openedSeq: this.openedSeq, hubWatermark, renumbered: appended, lastSeq: this.lastSeq });
  }

  /**
   * The hub stored everything up to `watermark`: those records leave the outbox — records of
   * earlier runs (which may have been sent then), and of this run only those already sent
   * (`sentUpTo`), whatever an ack claims.
   */
  ack(watermark: number, sentUpTo: number): number {
    return this.statements.deleteUpTo.run(Math.min(watermark, Math.max(sentUpTo, this.openedSeq))).changes;
  }

  get lastSequence(): number {
    return this.lastSeq;
  }

  stats(): OutboxStats {
    const { depth, oldest } = this.statements.depth.get() as { depth: number; oldest: number | null };
    return { depth, oldestTimeMs: oldest, lastSeq: this.lastSeq, droppedTotal: this.droppedTotal, sizeBytes: this.usedBytes() };
  }

  /** Saves a piece of the running agent's state for `davy-agent status`. */
  writeState(key: string, value: unknown): void {
    this.statements.setState.run(key, JSON.stringify(value), Date.now());
  }

  close(): void {
    this.db.close();
  }

  private insert(seq: number, record: NewRecord): void {
    const insert = this.statements.insert;
    switch (record.kind) {
      case 'sample':
        insert.run(seq, recordKind.sample, record.series, record.timeMs, record.value, record.quality, null);
        return;
      case 'event':
        insert.run(seq, recordKind.event, null, record.timeMs, null, null, JSON.stringify({ type: record.type, device: record.device, body: record.bodyJson }));
        return;
      case 'gap': {
        const { firstDroppedSeq, lastDroppedSeq, dropped, firstTimeMs, lastTimeMs } = record;
        insert.run(seq, recordKind.gap, null, record.timeMs, null, null, JSON.stringify({ firstDroppedSeq, lastDroppedSeq, dropped, firstTimeMs, lastTimeMs }));
        return;
      }
    }
  }

  private usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * this.pageSize;
  }

  /** Over the cap: drop the oldest records, down to a share below it. */
  private enforceCap(): void {
    const used = this.usedBytes();
    if (used > this.options.maxBytes) this.dropOldest(used, this.options.maxBytes * (1 - this.dropFraction), 'size cap reached');
  }

  /**
   * Drops the oldest records to bring the file from `used` down to `target` bytes, and appends
   * a gap record. Gap records among the dropped ones are folded into the new gap, so the hub
   * still learns of every earlier drop.
   */
  private dropOldest(used: number, target: number, reason: string): void {
    const { depth } = this.statements.depth.get() as { depth: number };
    const count = Math.max(1, Math.ceil((depth * (used - target)) / used));
    const range = this.statements.oldestRange.get(count)!;
    if (range.first === null || range.last === null) return;
    const earlierGaps = this.statements.gapsBetween.all(range.first, range.last).map((row) => JSON.parse(row.body) as GapBody);
    const lost = range.count - earlierGaps.length;
    const gap: GapRecord = {
      kind: 'gap',
      timeMs: Date.now(),
      firstDroppedSeq: Math.min(range.first, ...earlierGaps.map((g) => g.firstDroppedSeq)),
      lastDroppedSeq: range.last,
      dropped: lost + earlierGaps.reduce((sum, g) => sum + g.dropped, 0),
      firstTimeMs: Math.min(range.firstTime ?? Infinity, ...earlierGaps.map((g) => g.firstTimeMs)),
      lastTimeMs: Math.max(range.lastTime ?? -Infinity, ...earlierGaps.map((g) => g.lastTimeMs)),
    };
    const gapSeq = this.lastSeq + 1;
    this.db.transaction(() => {
      this.statements.deleteUpTo.run(range.last);
      this.insert(gapSeq, gap);
      this.statements.setMeta.run('last_seq', String(gapSeq));
      this.statements.setMeta.run('dropped_total', String(this.droppedTotal + lost));
    })();
    this.lastSeq = gapSeq;
    this.droppedTotal += lost;
    this.options.log.warn('outbox.dropped_oldest', { reason, dropped: lost, firstSeq: range.first, lastSeq: range.last, droppedTotal: this.droppedTotal, capBytes: this.options.maxBytes });
  }
}

function sameDefinition(a: SeriesDefinition, b: SeriesDefinition): boolean {
  return a.device === b.device && a.point === b.point && a.metric === b.metric && a.unit === b.unit && a.intervalMs === b.intervalMs;
}

function toRecord(row: RecordRow): OutboxRecord {
  switch (row.kind) {
    case recordKind.sample:
      return { seq: row.seq, kind: 'sample', series: row.series!, timeMs: row.time_ms, value: row.value ?? Number.NaN, quality: row.quality as QualityCode };
    case recordKind.event: {
      const body = JSON.parse(row.body!) as { type: string; device: string; body: string };
      return { seq: row.seq, kind: 'event', timeMs: row.time_ms, type: body.type, device: body.device, bodyJson: body.body };
    }
    default: {
      const gap = JSON.parse(row.body!) as GapBody;
      return { seq: row.seq, kind: 'gap', timeMs: row.time_ms, ...gap };
    }
  }
}
