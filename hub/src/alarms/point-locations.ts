/** Where each sensor is (working face, return, …): the alarm rule tables go by it. Kept per series key. */
import type { SqlDatabase } from '../registry/sql/sql-database.js';
import type { SensorLocation } from './rule-tables.js';

export class PointLocations {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async set(seriesKey: string, location: SensorLocation): Promise<void> {
    await this.db.query(
      'INSERT INTO point_locations (series_key, location, set_ms) VALUES ($1, $2, $3) ON CONFLICT (series_key) DO UPDATE SET location = excluded.location, set_ms = excluded.set_ms',
      [seriesKey, location, this.now()],
    );
  }

  async of(seriesKey: string): Promise<SensorLocation | null> {
    const [row] = await this.db.query<{ location: SensorLocation }>('SELECT location FROM point_locations WHERE series_key = $1', [seriesKey]);
    return row?.location ?? null;
  }
}
