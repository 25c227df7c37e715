/** A ReadingSink that keeps what a driver hands over, for driver tests. */
import type { DeviceEvent, PointReading, ReadingSink } from '../../src/drivers/driver.js';

export type DeviceReading = PointReading & { device: string };

export class RecordingSink implements ReadingSink {
  readonly received: DeviceReading[] = [];
  readonly events: DeviceEvent[] = [];
  readonly discovered: Array<{ device: string; like: string }> = [];

  readings(device: string, readings: PointReading[]): void {
    for (const reading of readings) this.received.push({ ...reading, device });
  }

  event(device: string, event: DeviceEvent): void {
    this.events.push({ ...event, body: { ...event.body, device } });
  }

  deviceDiscovered(device: string, like: string): boolean {
    const known = this.discovered.find((entry) => entry.device === device);
    if (!known) this.discovered.push({ device, like });
    return !known || known.like === like;
  }

  of(device: string): DeviceReading[] {
    return this.received.filter((reading) => reading.device === device);
  }
}
