/**
 * `--fault`: what goes wrong, and when (seconds after start), so a test or a demo can watch the
 * agent cope: a point whose value goes Bad or Uncertain, a server that stops answering (its
 * event loop blocked: connections stay open, nothing replies), a server that restarts.
 */
import { parseDurationMs } from '@davy/runtime';

export type Fault =
  | { kind: 'bad' | 'uncertain'; point: string; atMs: number; forMs?: number; text: string }
  | { kind: 'silent'; atMs: number; forMs: number; text: string }
  | { kind: 'restart'; atMs: number; forMs: number; text: string };

export const faultSyntax = 'bad:POINT@AT[+FOR], uncertain:POINT@AT[+FOR], silent@AT+FOR or restart@AT+DOWN (e.g. bad:fan_speed@5s+3s, restart@10s+2s)';

/** Throws a RangeError naming the forms when `text` is not a fault. */
export function parseFault(text: string): Fault {
  const match = /^(bad|uncertain|silent|restart)(?::([^@]+))?@([^+]+)(?:\+(.+))?$/.exec(text.trim());
  const atMs = match ? parseDurationMs(match[3]!) : undefined;
  const forMs = match?.[4] === undefined ? undefined : parseDurationMs(match[4]);
  const wrong = () => new RangeError(`"${text}" is not a fault; write ${faultSyntax}`);
  if (!match || atMs === undefined || (match[4] !== undefined && forMs === undefined)) throw wrong();
  const kind = match[1] as Fault['kind'];
  if (kind === 'bad' || kind === 'uncertain') {
    if (!match[2]) throw wrong();
    return { kind, point: match[2], atMs, forMs, text };
  }
  if (match[2] !== undefined || forMs === undefined) throw wrong();
  return { kind, atMs, forMs, text };
}
