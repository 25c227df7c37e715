import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LogSink } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { Outbox, type OutboxOptions } from './outbox.js';
import type { NewRecord } from './records.js';

const lines: string[] = [];
const sink: LogSink = { write: (line) => lines.push(line) };
const log = createLogger({ component: 'test', sink });
const dirs: Array<() => void> = [];
afterEach(() => dirs.splice(0).forEach((remove) => remove()));

function open(options: Partial<OutboxOptions> = {}): { outbox: Outbox; file: string } {
  const { dir, remove } = tempDir();
  dirs.push(remove);
  const file = path.join(dir, 'outbox.db');
  return { outbox: Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log, ...options }), file };
}

const sample = (series: number, timeMs: number, value: number): NewRecord => ({ kind: 'sample', series, timeMs, value, quality: 1 });

describe('Outbox', () => {
  it('numbers records from 1 and reads them back in order with their fields', () => {
    const { outbox } = open();
    const series = outbox.seriesId({ key: 'gw/m/p', device: 'm', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 });
    expect(outbox.append([sample(series, 1000, 230.5), sample(series, 2000, 231)])).toEqual({ firstSeq: 1, lastSeq: 2 });
    outbox.append([{ kind: 'event', type: 'device.offline', device: 'm', timeMs: 3000, bodyJson: '{"reason":"no reply"}' }]);
    expect(outbox.readAfter(0, 10)).toEqual([
      { seq: 1, kind: 'sample', series, timeMs: 1000, value: 230.5, quality: 1 },
      { seq: 2, kind: 'sample', series, timeMs: 2000, value: 231, quality: 1 },
      { seq: 3, kind: 'event', type: 'device.offline', device: 'm', timeMs: 3000, bodyJson: '{"reason":"no reply"}' },
    ]);
    expect(outbox.readAfter(1, 1).map((record) => record.seq)).toEqual([2]);
    outbox.close();
  });

  it('never reuses a sequence number, also after everything was acked and the file reopened', () => {
    const { outbox, file } = open();
    outbox.append([sample(1, 1, 1), sample(1, 2, 2), sample(1, 3, 3)]);
    expect(outbox.ack(3, 3)).toBe(3);
    expect(outbox.stats().depth).toBe(0);
    outbox.close();
    const reopened = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log });
    expect(reopened.append([sample(1, 4, 4)])).toEqual({ firstSeq: 4, lastSeq: 4 });
    reopened.close();
  });

  it('keeps its id and series ids across reopening', () => {
    const { outbox, file } = open();
    const definition = { key: 'gw/m/p', device: 'm', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 };
    const id = outbox.seriesId(definition);
    const other = outbox.seriesId({ ...definition, key: 'gw/m/q', point: 'q' });
    const outboxId = outbox.id;
    outbox.close();
    const reopened = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log });
    expect(reopened.id).toBe(outboxId);
    expect(reopened.seriesId(definition)).toBe(id);
    expect(reopened.seriesId({ ...definition, key: 'gw/m/q', point: 'q' })).toBe(other);
    expect(other).not.toBe(id);
    reopened.close();
  });

  it('deletes only what is acked', () => {
    const { outbox } = open();
    outbox.append([sample(1, 1, 1), sample(1, 2, 2), sample(1, 3, 3), sample(1, 4, 4)]);
    expect(outbox.ack(2, 4)).toBe(2);
    expect(outbox.readAfter(0, 10).map((record) => record.seq)).toEqual([3, 4]);
    expect(outbox.ack(2, 4)).toBe(0);
    // An ack beyond what this run has sent deletes nothing unsent.
    expect(outbox.ack(10, 3)).toBe(1);
    expect(outbox.readAfter(0, 10).map((record) => record.seq)).toEqual([4]);
  });

  it('when full, drops the oldest records, counts them and appends a gap record', () => {
    const { outbox } = open({ maxBytes: 256 * 1024, dropFraction: 0.25 });
    let time = 0;
    for (let batch = 0; batch < 600; batch += 1) {
      outbox.append(Array.from({ length: 100 }, () => sample(1, ++time, time)));
    }
    const stats = outbox.stats();
    expect(stats.sizeBytes).toBeLessThanOrEqual(256 * 1024);
    expect(stats.droppedTotal).toBeGreaterThan(0);
    const records = outbox.readAfter(0, 1_000_000);
    const gaps = records.filter((record) => record.kind === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    // The gaps count every dropped sample once (their spans may overlap: see GapRecord).
    const dropped = gaps.reduce((sum, gap) => sum + (gap.kind === 'gap' ? gap.dropped : 0), 0);
    expect(dropped).toBe(stats.droppedTotal);
    const samples = records.filter((record) => record.kind === 'sample');
    // Every record ever appended is either still here or counted in a gap…
    expect(samples.length + dropped).toBe(60_000);
    // …the gaps span from the first record to just before the oldest one left…
    const spans = gaps.map((gap) => (gap.kind === 'gap' ? gap : undefined)!);
    expect(Math.min(...spans.map((gap) => gap.firstDroppedSeq))).toBe(1);
    expect(Math.max(...spans.map((gap) => gap.lastDroppedSeq))).toBeLessThan(samples[0]!.seq);
    expect(Math.min(...spans.map((gap) => gap.firstTimeMs))).toBe(1);
    expect(Math.max(...spans.map((gap) => gap.lastTimeMs))).toBe(samples[0]!.timeMs - 1);
    // …and what is left is the newest, unbroken.
    expect(samples[samples.length - 1]!.timeMs).toBe(60_000);
    expect(samples.every((record, index) => index === 0 || record.timeMs === samples[index - 1]!.timeMs + 1)).toBe(true);
    expect(lines.some((line) => line.includes('"event":"outbox.dropped_oldest"'))).toBe(true);
  });

  it('when the disk fills before the cap, drops the oldest to make room instead of losing the new records', () => {
    const { outbox } = open({ maxBytes: 1024 * 1024 });
    let time = 0;
    // Filled to the cap (about 60,000 small records in 1 MiB)…
    for (let i = 0; i < 600; i += 1) outbox.append(Array.from({ length: 100 }, () => sample(1, ++time, time)));
    // …then one append larger than the room left under the file's hard limit: SQLite says
    // SQLITE_FULL, as it does on a full disk.
    expect(() => outbox.append(Array.from({ length: 40_000 }, () => sample(1, ++time, time)))).not.toThrow();
    expect(lines.some((line) => line.includes('"event":"outbox.dropped_oldest"') && line.includes('"reason":"disk full"'))).toBe(true);
    const records = outbox.readAfter(0, 1_000_000);
    const samples = records.filter((record) => record.kind === 'sample');
    const dropped = records.reduce((sum, record) => sum + (record.kind === 'gap' ? record.dropped : 0), 0);
    expect(samples.length + dropped).toBe(100_000);
    expect(samples[samples.length - 1]!.timeMs).toBe(100_000);
    expect(outbox.stats().droppedTotal).toBe(dropped);
  });

  it('renumbers what it appended since opening when the hub is ahead (a restored backup), and loses nothing', () => {
    const { outbox, file } = open();
    outbox.append([sample(1, 1, 1), sample(1, 2, 2), sample(1, 3, 3)]);
    outbox.close();
    // The file is back at seq 3, but records 4-10 of a lost future had reached the hub.
    const restored = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log });
    expect(restored.openedSeq).toBe(3);
    restored.append([sample(1, 100, 100), sample(1, 101, 101)]); // numbered 4 and 5 for now
    restored.reconcile(10);
    expect(restored.readAfter(0, 10).map((record) => [record.seq, record.timeMs])).toEqual([[1, 1], [2, 2], [3, 3], [11, 100], [12, 101]]);
    // The first ack deletes the old backlog the hub has, not the renumbered new records.
    expect(restored.ack(10, 10)).toBe(3);
    expect(restored.readAfter(0, 10).map((record) => record.seq)).toEqual([11, 12]);
    expect(restored.append([sample(1, 102, 102)]).firstSeq).toBe(13);
    expect(lines.some((line) => line.includes('"event":"outbox.sequence_behind_hub"') && line.includes('"renumbered":2'))).toBe(true);
    restored.close();
    // The new numbering survives a restart.
    const reopened = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log });
    expect(reopened.append([sample(1, 103, 103)]).firstSeq).toBe(14);
    reopened.close();
  });

  it('renumbers nothing when the hub is not ahead', () => {
    const { outbox, file } = open();
    outbox.append([sample(1, 1, 1), sample(1, 2, 2)]);
    outbox.close();
    const reopened = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'full', log });
    reopened.append([sample(1, 3, 3)]);
    reopened.reconcile(1);
    expect(reopened.readAfter(0, 10).map((record) => record.seq)).toEqual([1, 2, 3]);
    reopened.close();
  });
});
