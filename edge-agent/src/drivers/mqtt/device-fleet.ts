/**
 * The devices one MQTT or Sparkplug entry reads: the configured one, and those its topics
 * bring in at run time (a {device} level, a Sparkplug device id), each announced to the sink
 * before its first reading. Tracks whether each is online, so every change is one event; a
 * name that cannot be a device's, or one past the entry's limit, is counted and refused.
 */
import type { Logger } from '@davy/runtime';
import { deviceNamePattern } from '../../config/names.js';
import type { ReadingSink } from '../driver.js';
import type { ErrorTally } from '../json-mapping/error-tally.js';

export class DeviceFleet {
  /** true online, false offline, undefined not known yet. */
  private readonly online = new Map<string, boolean | undefined>();
  private sink?: ReadingSink;

  constructor(
    private readonly entry: string,
    private readonly maxDevices: number,
    private readonly tally: ErrorTally,
    private readonly log: Logger,
  ) {}

  bind(sink: ReadingSink): void {
    this.sink = sink;
  }

  /** The devices seen so far (the entry itself once it has had a message or an event). */
  get devices(): string[] {
    return [...this.online.keys()];
  }

  /** Whether readings of `device` may go to the sink; announces a new one. `source` says where the name came from. */
  admit(device: string, source: string): boolean {
    if (this.online.has(device)) return true;
    if (device !== this.entry) {
      if (!deviceNamePattern.test(device)) {
        this.tally.record('device-name', `${source} names the device "${device}", which cannot be a device name (letters, digits, "_", "." and "-", at most 64)`);
        return false;
      }
      if (this.online.size >= this.maxDevices) {
        this.tally.record('device-limit', `${source} would be device ${this.online.size + 1} of ${this.entry}, over maxDevices (${this.maxDevices}): raise maxDevices if the site has that many`);
        return false;
      }
      if (this.sink && !this.sink.deviceDiscovered(device, this.entry)) {
        this.tally.record('device-name-conflict', `${source} names the device "${device}", which is another device of this gateway: give the devices names of their own`);
        return false;
      }
    }
    this.online.set(device, undefined);
    return true;
  }

  setOnline(device: string, body: Record<string, unknown>): void {
    if (this.online.get(device) === true) return;
    this.online.set(device, true);
    this.log.info('device.online', { device, ...body });
    this.sink?.event(device, { type: 'device.online', timeMs: Date.now(), body });
  }

  /** One event per outage: a device already offline stays quiet. */
  setOffline(device: string, body: Record<string, unknown> & { reason: string }): void {
    if (this.online.get(device) === false) return;
    this.online.set(device, false);
    this.log.warn('device.offline', { device, ...body });
    this.sink?.event(device, { type: 'device.offline', timeMs: Date.now(), body });
  }
}
