/**
 * Polled reads: every point in poll mode (asked for, or the fallback for a server without
 * subscriptions), and in subscribe mode the points the subscription could not take (items the
 * server refused, nodes not found on this server run), so every interval still yields a reading
 * of each point — a bad one saying why where there is no value. The points of each interval are
 * read together with Read requests of at most the server's MaxNodesPerRead, at a fixed rate; a
 * read that overruns its interval skips the ticks it missed.
 */
import { errorMessage } from '@davy/runtime';
import type { PointReading } from '../driver.js';
import { readingFromDataValue } from './data-value.js';
import { chunks, describeFailure, type OpcuaLink } from './opcua-link.js';
import type { Resolution, UnresolvedPoint } from './point-resolution.js';

export interface PollOutcome {
  /** What the server answered, whatever its quality. */
  values: PointReading[];
  /** Bad readings of the points whose Read got no answer, and the kind of that failure. */
  failed: PointReading[];
  failure?: string;
  /** Bad readings of the points with no node on this server run (nothing is asked for them). */
  unresolved: PointReading[];
}

/** Reads the points once. `withRaw`: node id and type, for people. */
export async function readPoints(link: OpcuaLink, points: Resolution, withRaw = false): Promise<PollOutcome> {
  const { opcua } = link.library;
  const outcome: PollOutcome = { values: [], failed: [], unresolved: unresolvedReadings(points.unresolved) };
  for (const chunk of chunks(points.resolved, link.limits.maxNodesPerRead)) {
    try {
      // maxAge 0: the device's value now, not a cached one.
      const values = await link.session.read(chunk.map(({ nodeId }) => ({ nodeId, attributeId: opcua.AttributeIds.Value })), 0);
      const timeMs = Date.now();
      chunk.forEach(({ point, nodeIdText }, index) => outcome.values.push(readingFromDataValue(point.name, values[index]!, timeMs, withRaw ? nodeIdText : undefined)));
    } catch (error) {
      outcome.failure = describeFailure(error, link.spec).kind;
      const timeMs = Date.now();
      const message = errorMessage(error);
      for (const { point } of chunk) outcome.failed.push({ point: point.name, value: null, timeMs, quality: 'bad', error: message });
    }
  }
  return outcome;
}

function unresolvedReadings(points: readonly UnresolvedPoint[]): PointReading[] {
  const timeMs = Date.now();
  return points.map(({ point, error }) => ({ point: point.name, value: null, timeMs, quality: 'bad', raw: point.address.text, error }));
}

/** Polls until `stop` is called; `onOutcome` gets each poll's readings. */
export function startPolling(link: OpcuaLink, points: Resolution, onOutcome: (outcome: PollOutcome) => void): { stop(): void } {
  const byInterval = new Map<number, Resolution>();
  const groupOf = (intervalMs: number): Resolution => {
    let group = byInterval.get(intervalMs);
    if (!group) byInterval.set(intervalMs, (group = { resolved: [], unresolved: [] }));
    return group;
  };
  for (const resolved of points.resolved) groupOf(resolved.point.intervalMs).resolved.push(resolved);
  for (const unresolved of points.unresolved) groupOf(unresolved.point.intervalMs).unresolved.push(unresolved);
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (intervalMs: number, group: Resolution, dueMs: number) => {
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
