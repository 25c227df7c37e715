/**
 * Poll mode (asked for, or the fallback for a server without subscriptions): the points of each
 * interval read together with Read requests of at most the server's MaxNodesPerRead, at a fixed
 * rate; a read that overruns its interval skips the ticks it missed.
 */
import { errorMessage } from '@davy/runtime';
import type { PointReading } from '../driver.js';
import { readingFromDataValue } from './data-value.js';
import { chunks, describeFailure, type OpcuaLink } from './opcua-link.js';
import type { ResolvedPoint } from './point-resolution.js';

export interface PollOutcome {
  readings: PointReading[];
  /** The kind of failure when the read got no answer. */
  failure?: string;
}

/** Reads the points once; a failed request makes its points bad readings. `withRaw`: node id and type, for people. */
export async function readPoints(link: OpcuaLink, points: readonly ResolvedPoint[], withRaw = false): Promise<PollOutcome> {
  const { opcua } = link.library;
  const readings: PointReading[] = [];
  let failure: string | undefined;
  for (const chunk of chunks(points, link.limits.maxNodesPerRead)) {
    try {
      // maxAge 0: the device's value now, not a cached one.
      const values = await link.session.read(chunk.map(({ nodeId }) => ({ nodeId, attributeId: opcua.AttributeIds.Value })), 0);
      const timeMs = Date.now();
      chunk.forEach(({ point, nodeIdText }, index) => readings.push(readingFromDataValue(point.name, values[index]!, timeMs, withRaw ? nodeIdText : undefined)));
    } catch (error) {
      const described = describeFailure(error, link.spec);
      failure = described.kind;
      const timeMs = Date.now();
      const message = errorMessage(error);
      for (const { point } of chunk) readings.push({ point: point.name, value: null, timeMs, quality: 'bad', error: message });
    }
  }
  return { readings, failure };
}

/** Polls until `stop` is called; `onOutcome` gets each poll's readings. */
export function startPolling(link: OpcuaLink, points: readonly ResolvedPoint[], onOutcome: (outcome: PollOutcome) => void): { stop(): void } {
  const byInterval = new Map<number, ResolvedPoint[]>();
  for (const point of points) {
    const group = byInterval.get(point.point.intervalMs);
    if (group) group.push(point);
    else byInterval.set(point.point.intervalMs, [point]);
  }
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (intervalMs: number, group: ResolvedPoint[], dueMs: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void readPoints(link, group).then((outcome) => {
        if (stopped) return;
        onOutcome(outcome);
        const now = Date.now();
        let next = dueMs + intervalMs;
        if (next <= now) next = now + intervalMs - ((now - dueMs) % intervalMs);
        schedule(intervalMs, group, next);
      });
    }, Math.max(0, dueMs - Date.now()));
    timers.add(timer);
  };
  for (const [intervalMs, group] of byInterval) schedule(intervalMs, group, Date.now());
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
