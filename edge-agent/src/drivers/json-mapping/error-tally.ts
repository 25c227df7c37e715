/**
 * Errors of a driver that maps payloads (MQTT, HTTP), counted by kind for its health, and
 * logged so that a device sending garbage ten times a second cannot flood the log: the first
 * error of a kind is logged at once, then at most one line per kind and interval, saying how
 * many went unlogged in between.
 */
import type { LogFields, Logger } from '@davy/runtime';

export class ErrorTally {
  readonly counts: Record<string, number> = {};
  lastError: string | null = null;
  private readonly lastLoggedMs = new Map<string, number>();
  private readonly unlogged = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  record(kind: string, message: string, fields: LogFields = {}): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.lastError = message;
    const now = Date.now();
    const last = this.lastLoggedMs.get(kind);
    if (last !== undefined && now - last < this.intervalMs) {
      this.unlogged.set(kind, (this.unlogged.get(kind) ?? 0) + 1);
      return;
    }
    this.lastLoggedMs.set(kind, now);
    const notLogged = this.unlogged.get(kind) ?? 0;
    this.unlogged.delete(kind);
    this.log.warn('device.read_error', { kind, error: message, ...fields, ...(notLogged > 0 ? { unloggedSinceLast: notLogged } : {}) });
  }
}
