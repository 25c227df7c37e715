import { describe, expect, it } from 'vitest';
import { sleep } from '@davy/runtime';
import { LineScheduler } from './line-scheduler.js';

/** Exchanges that take `ms` each and record when they ran, on the scheduler's clock. */
function recorder() {
  const runs: Array<{ unit: number; startMs: number; endMs: number }> = [];
  let active = 0;
  let overlapped = false;
  const exchange = (unit: number, ms: number) => async () => {
    overlapped ||= active > 0;
    active += 1;
    const startMs = performance.now();
    await sleep(ms);
    active -= 1;
    runs.push({ unit, startMs, endMs: performance.now() });
    return unit;
  };
  return { runs, exchange, overlapped: () => overlapped };
}

describe('line scheduler', () => {
  it('serves the slaves in turn, one exchange at a time, each after the gap', async () => {
    const line = new LineScheduler(5, 'test line');
    const { runs, exchange, overlapped } = recorder();
    // Unit 1 has six requests queued at once (a long poll), units 2 and 3 one after another.
    const long = Array.from({ length: 6 }, () => line.submit(1, exchange(1, 1)));
    const polls = [2, 3].map(async (unit) => {
      for (let i = 0; i < 3; i += 1) await line.submit(unit, exchange(unit, 1));
    });
    expect(await Promise.all(long)).toEqual([1, 1, 1, 1, 1, 1]);
    await Promise.all(polls);
    expect(runs.map((run) => run.unit)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 1, 1]);
    expect(overlapped()).toBe(false);
    // The property is about time: every exchange starts at least the 5 ms gap after the one before ends.
    const gaps = runs.slice(1).map((run, index) => run.startMs - runs[index]!.endMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5);
  });

  it('passes a failed exchange on to its caller and goes on with the next', async () => {
    const line = new LineScheduler(0, 'test line');
    const failed = line.submit(1, () => Promise.reject(new Error('no reply reading holding 0-1')));
    const next = line.submit(2, () => Promise.resolve('answer'));
    await expect(failed).rejects.toThrow('no reply reading holding 0-1');
    expect(await next).toBe('answer');
  });

  it('refuses what waits when closed, and what comes after', async () => {
    const line = new LineScheduler(0, '127.0.0.1:4001');
    const first = line.submit(1, () => sleep(20).then(() => 'done'));
    const waiting = line.submit(2, () => Promise.resolve('never'));
    await sleep(1);
    line.close();
    await expect(waiting).rejects.toMatchObject({ kind: 'connection', message: 'the line 127.0.0.1:4001 is closed' });
    expect(await first).toBe('done');
    await expect(line.submit(3, () => Promise.resolve('late'))).rejects.toThrow('the line 127.0.0.1:4001 is closed');
  });
});
