/**
 * The JSON messages of one simulated device, built from a `protocol: json` profile: each
 * point's value (raw = (value − offset) / scale, as the agent will scale it back) written at
 * its path, a state point as the text of its nearest state, and the time at the profile's
 * timestampPath. Points that name no message are in every message; a profile whose points name
 * none sends one message, `data`.
 */
import type { ProfileDocument } from '@davy/edge-agent/profiles';
import type { Behaviour } from '../behaviours/index.js';

export type JsonProfile = Extract<ProfileDocument, { protocol: 'json' }>;
type JsonPointDocument = JsonProfile['points'][number];

export const singleMessage = 'data';

export function messageNames(profile: JsonProfile): string[] {
  const named = [...new Set(profile.points.flatMap((point) => (point.message === undefined ? [] : [point.message])))];
  return named.length > 0 ? named : [singleMessage];
}

export class JsonMessages {
  readonly names: string[];

  constructor(
    private readonly profile: JsonProfile,
    private readonly behaviours: readonly Behaviour[],
  ) {
    this.names = messageNames(profile);
  }

  /** Every message with the values at `elapsedS` seconds after start, stamped `nowMs`. */
  build(elapsedS: number, nowMs: number): Array<{ message: string; payload: Buffer }> {
    const values = this.behaviours.map((behaviour) => (behaviour.advancesOn === 'tick' ? behaviour.advance(elapsedS) : behaviour.value));
    return this.names.map((message) => {
      const document: Record<string, unknown> = {};
      if (this.profile.timestampPath) setAt(document, this.profile.timestampPath.steps, new Date(nowMs).toISOString());
      this.profile.points.forEach((point, index) => {
        if (point.message === undefined || point.message === message || message === singleMessage) setAt(document, point.path.steps, wireValue(point, values[index]!));
      });
      return { message, payload: Buffer.from(JSON.stringify(document)) };
    });
  }
}

function wireValue(point: JsonPointDocument, value: number): number | boolean | string {
  const raw = (value - point.offset) / point.scale;
  if (point.states) {
    const states = Object.entries(point.states);
    return states.reduce((best, state) => (Math.abs(state[1] - raw) < Math.abs(best[1] - raw) ? state : best), states[0]!)[0];
  }
  if (point.type === 'boolean') return raw !== 0;
  if (point.type === 'string') return String(raw);
  // The digits a device would send, not binary-fraction noise.
  return Number(raw.toPrecision(12));
}

/** Writes `value` at the path, creating the objects and lists on the way. */
function setAt(root: Record<string, unknown>, steps: ReadonlyArray<string | number>, value: unknown): void {
  let container: Record<string | number, unknown> = root;
  steps.forEach((step, index) => {
    if (index === steps.length - 1) {
      container[step] = value;
      return;
    }
    const next = steps[index + 1];
    container[step] ??= typeof next === 'number' ? [] : {};
    container = container[step] as Record<string | number, unknown>;
  });
}
