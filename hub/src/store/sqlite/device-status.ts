/**
 * Keeps each device's state from the events its gateway sends: device.online and
 * device.offline when it changes, device.health (reads, errors by kind, last good read) every
 * so often. An event older than what is stored changes nothing.
 */
import type Database from 'better-sqlite3';

const stateOf: Record<string, string | undefined> = { 'device.online': 'online', 'device.offline': 'offline' };

export class DeviceStatusWriter {
  private readonly changeState;
  private readonly health;

  constructor(db: Database.Database) {
    this.changeState = db.prepare(
      `INSERT INTO device_status (gateway_id, device, state, state_since_ms, reason, reported_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (gateway_id, device) DO UPDATE SET
         state_since_ms = CASE WHEN state = excluded.state THEN state_since_ms ELSE excluded.state_since_ms END,
         state = excluded.state, reason = excluded.reason, reported_ms = excluded.reported_ms
       WHERE excluded.reported_ms >= reported_ms`,
    );
    this.health = db.prepare(
      `INSERT INTO device_status (gateway_id, device, state, state_since_ms, last_good_read_ms, reads, errors, last_error, reported_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (gateway_id, device) DO UPDATE SET
         state_since_ms = CASE WHEN state = excluded.state THEN state_since_ms ELSE excluded.state_since_ms END,
         state = excluded.state, last_good_read_ms = excluded.last_good_read_ms, reads = excluded.reads,
         errors = excluded.errors, last_error = excluded.last_error, reported_ms = excluded.reported_ms
       WHERE excluded.reported_ms >= reported_ms`,
    );
  }

  /** Applies a device event, if it is one that says something of the device's state. */
  apply(gatewayId: string, device: string, type: string, timeMs: number, body: Record<string, unknown>): void {
    if (device === '') return;
    const state = stateOf[type];
    if (state) {
      this.changeState.run(gatewayId, device, state, timeMs, typeof body.reason === 'string' ? body.reason : null, timeMs);
      return;
    }
    if (type !== 'device.health' || typeof body.state !== 'string') return;
    const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
    const errors = typeof body.errors === 'object' && body.errors !== null ? JSON.stringify(body.errors) : null;
    this.health.run(gatewayId, device, body.state, timeMs, number(body.lastGoodReadMs), number(body.reads), errors, typeof body.lastError === 'string' ? body.lastError : null, timeMs);
  }
}
