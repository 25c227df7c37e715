/**
 * `--fault KIND@TIME`: a fault the simulator injects once, TIME after it starts, so a test can
 * watch the agent live through it.
 *  - malformed: every device publishes one payload that is not what its profile says
 *    (truncated JSON, or bytes that are no protobuf);
 *  - drop: the connection breaks without a DISCONNECT (the broker publishes the will) and is
 *    back 0.5 s later;
 *  - node-death: the same, but the node stays away for 2 s, then comes back with a new session.
 */
import { parseDurationMs } from '@davy/runtime';

export const faultKinds = ['malformed', 'drop', 'node-death'] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface Fault {
  kind: FaultKind;
  atMs: number;
}

/** How long the connection stays down, by fault. */
export const downMs: Record<Exclude<FaultKind, 'malformed'>, number> = { drop: 500, 'node-death': 2_000 };

export const faultSyntax = 'KIND@TIME';

/** Throws a RangeError naming the expected form. */
export function parseFault(text: string): Fault {
  const [kind, at] = text.split('@');
  const atMs = at === undefined ? undefined : parseDurationMs(at);
  if (!faultKinds.includes(kind as FaultKind) || atMs === undefined) {
    throw new RangeError(`"${text}" is not ${faultSyntax}: KIND is one of ${faultKinds.join(', ')}, TIME like 2s (e.g. malformed@2s, node-death@5s)`);
  }
  return { kind: kind as FaultKind, atMs };
}
