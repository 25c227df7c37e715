/** Keeps each device's newest reported state (see device-report.ts); an older report changes nothing. */
import type pg from 'pg';
import type { DeviceReport } from '../device-report.js';
import { storableText } from '../storable-text.js';

const sinceWhenChanged = 'state_since_ms = CASE WHEN d.state = excluded.state THEN d.state_since_ms ELSE excluded.state_since_ms END';

export async function writeDeviceReport(client: pg.PoolClient, report: DeviceReport): Promise<void> {
  const { gatewayId, device, timeMs } = report;
  // Free text from the event's body (names were made storable with the batch).
  const state = storableText(report.state);
  const text = (value: string | null) => (value === null ? null : storableText(value));
  if (report.kind === 'state') {
    await client.query(
      `INSERT INTO device_status AS d (gateway_id, device, state, state_since_ms, reason, reported_ms) VALUES ($1, $2, $3, $4, $5, $4)
       ON CONFLICT (gateway_id, device) DO UPDATE SET ${sinceWhenChanged}, state = excluded.state, reason = excluded.reason, reported_ms = excluded.reported_ms
       WHERE excluded.reported_ms >= d.reported_ms`,
      [gatewayId, device, state, timeMs, text(report.reason)],
    );
    return;
  }
  await client.query(
    `INSERT INTO device_status AS d (gateway_id, device, state, state_since_ms, last_good_read_ms, reads, errors, last_error, reported_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4)
     ON CONFLICT (gateway_id, device) DO UPDATE SET ${sinceWhenChanged}, state = excluded.state,
       last_good_read_ms = excluded.last_good_read_ms, reads = excluded.reads, errors = excluded.errors,
       last_error = excluded.last_error, reported_ms = excluded.reported_ms
     WHERE excluded.reported_ms >= d.reported_ms`,
    [gatewayId, device, state, timeMs, report.lastGoodReadMs, report.reads, report.errorsJson, text(report.lastError)],
  );
}
