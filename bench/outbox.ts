/**
 * The agent's outbox: append rate by transaction size, and drain rate — locally (read a batch,
 * delete it on ack) and end to end through the gRPC uplink into a real hub — each next to a raw
 * better-sqlite3 loop doing the same SQL on the same table in the same run.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { createLogger, formatDurationMs } from '@davy/runtime';
import { ManagedProcess, tempDir, waitFor } from '@davy/runtime/testing';
import { Outbox } from '../edge-agent/src/outbox/outbox.js';
import { createOutboxSchema } from '../edge-agent/src/outbox/outbox-schema.js';
import type { NewRecord } from '../edge-agent/src/outbox/records.js';
import { GrpcUplink } from '../edge-agent/src/uplink/grpc/grpc-uplink.js';
import { machine, printFigures, type Figure } from './support/report.js';

const log = createLogger({ component: 'bench', level: 'error' });
const phaseMs = 3_000;
const seriesCount = 2_000;

function sample(i: number): NewRecord {
  return { kind: 'sample', series: (i % seriesCount) + 1, timeMs: 1_767_225_600_000 + Math.floor(i / seriesCount) * 1000, value: 230 + (i % 100) / 10, quality: 1 };
}

function openOutbox(): { outbox: Outbox; remove: () => void; dir: string } {
  const { dir, remove } = tempDir('davy-bench-outbox-');
  const outbox = Outbox.open(path.join(dir, 'outbox.db'), { maxBytes: 16 * 1024 ** 3, sync: 'full', log });
  outbox.seriesIds(Array.from({ length: seriesCount }, (_, i) => ({ key: `gw-bench/dev/p${i}`, device: 'dev', point: `p${i}`, metric: 'voltage', unit: 'V', intervalMs: 1000 })));
  return { outbox, remove: () => (outbox.close(), remove()), dir };
}

function openRaw(): { db: Database.Database; remove: () => void } {
  const { dir, remove } = tempDir('davy-bench-raw-');
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  createOutboxSchema(db);
  return { db, remove: () => (db.close(), remove()) };
}

function appendRate(perTransaction: number): { outbox: number; raw: number } {
  const box = openOutbox();
  let appended = 0;
  let started = performance.now();
  while (performance.now() - started < phaseMs) {
    box.outbox.append(Array.from({ length: perTransaction }, (_, i) => sample(appended + i)));
    appended += perTransaction;
  }
  const outbox = appended / ((performance.now() - started) / 1000);
  box.remove();

  const raw = openRaw();
  const insert = raw.db.prepare('INSERT INTO records (seq, kind, series, time_ms, value, quality, body) VALUES (?, 1, ?, ?, ?, ?, NULL)');
  let seq = 0;
  const transaction = raw.db.transaction((count: number) => {
    for (let i = 0; i < count; i += 1, seq += 1) {
      const record = sample(seq) as Extract<NewRecord, { kind: 'sample' }>;
      insert.run(seq + 1, record.series, record.timeMs, record.value, record.quality);
    }
  });
  started = performance.now();
  while (performance.now() - started < phaseMs) transaction(perTransaction);
  const rawRate = seq / ((performance.now() - started) / 1000);
  raw.remove();
  return { outbox, raw: rawRate };
}

function fill(outbox: Outbox, count: number): void {
  for (let i = 0; i < count; i += 10_000) outbox.append(Array.from({ length: Math.min(10_000, count - i) }, (_, j) => sample(i + j)));
}

function localDrain(count: number): { outbox: number; raw: number } {
  const box = openOutbox();
  fill(box.outbox, count);
  let started = performance.now();
  for (let seq = 0; ; ) {
    const records = box.outbox.readAfter(seq, 1000);
    if (records.length === 0) break;
    seq = records[records.length - 1]!.seq;
    box.outbox.ack(seq, seq);
  }
  const outbox = count / ((performance.now() - started) / 1000);
  box.remove();

  const raw = openRaw();
  const insert = raw.db.prepare('INSERT INTO records (seq, kind, series, time_ms, value, quality, body) VALUES (?, 1, ?, ?, ?, 1, NULL)');
  raw.db.transaction(() => {
    for (let i = 0; i < count; i += 1) insert.run(i + 1, (i % seriesCount) + 1, i, i);
  })();
  const read = raw.db.prepare('SELECT seq, kind, series, time_ms, value, quality, body FROM records WHERE seq > ? ORDER BY seq LIMIT 1000');
  const remove = raw.db.prepare('DELETE FROM records WHERE seq <= ?');
  started = performance.now();
  for (let seq = 0; ; ) {
    const rows = read.all(seq) as Array<{ seq: number }>;
    if (rows.length === 0) break;
    seq = rows[rows.length - 1]!.seq;
    remove.run(seq);
  }
  const rawRate = count / ((performance.now() - started) / 1000);
  raw.remove();
  return { outbox, raw: rawRate };
}

/** A backlog of `count` drained through the real uplink into a real hub (its own process): records/s. */
export async function uplinkDrain(count: number): Promise<number> {
  const box = openOutbox();
  fill(box.outbox, count);
  const hub = ManagedProcess.davy('hub', ['start', '--data', path.join(box.dir, 'hub'), '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: 'davy_bench' } });
  try {
    const port = (await hub.waitForEvent('grpc.listening')).port as number;
    const uplink = new GrpcUplink(
      { host: '127.0.0.1', port },
      { id: 'gw-bench', enterprise: '91350100M000100Y43', site: 'bench' },
      { batchMaxRecords: 1000, batchMaxAge: 200, window: 8, ackTimeout: 30_000, heartbeat: 10_000, reconnectMin: 500, reconnectMax: 5_000 },
      box.outbox,
      log,
    );
    const started = performance.now();
    uplink.start();
    await waitFor(() => box.outbox.stats().depth === 0, { what: 'the backlog to drain', timeoutMs: 600_000, intervalMs: 50 });
    const rate = count / ((performance.now() - started) / 1000);
    await uplink.stop();
    return rate;
  } finally {
    await hub.stop();
    box.remove();
  }
}

export async function run(): Promise<Figure[]> {
  console.log(machine());
  const figures: Figure[] = [];
  for (const size of [1, 100, 1000]) {
    const { outbox, raw } = appendRate(size);
    figures.push({ measure: `append, ${size} record${size > 1 ? 's' : ''} per transaction`, value: outbox, unit: 'records/s', ceiling: raw, note: 'sync full; ceiling: the same INSERTs in a bare loop' });
  }
  const drain = localDrain(500_000);
  figures.push({ measure: 'drain locally (read 1,000, delete on ack)', value: drain.outbox, unit: 'records/s', ceiling: drain.raw, note: '500k records; ceiling: the same SELECT/DELETE in a bare loop' });
  const backlog = 1_000_000;
  const endToEnd = await uplinkDrain(backlog);
  const hourOfMine = 2_000 * 3_600; // a mine's 2,000 points read every second for an hour
  figures.push({
    measure: 'drain through gRPC into a hub',
    value: endToEnd,
    unit: 'records/s',
    note: `1M-record backlog, window 8 × 1,000; an hour of 2,000 points at 1 s (7.2M) drains in ${formatDurationMs((hourOfMine / endToEnd) * 1000)}`,
  });
  printFigures(figures);
  return figures;
}
