/**
 * Keeps each device's state from the reports its gateway's events carry (see device-report.ts).
 * A report older than what is stored changes nothing.
 */
import type Database from 'better-sqlite3';
import type { DeviceReport } from '../device-report.js';

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

  apply(report: DeviceReport): void {
    const { gatewayId, device, state, timeMs } = report;
    if (report.kind === 'state') {
      this.changeState.run(gatewayId, device, state, timeMs, report.reason, timeMs);
      return;
    }
    this.health.run(gatewayId, device, state, timeMs, report.lastGoodReadMs, report.reads, report.errorsJson, report.lastError, timeMs);
  }
}
