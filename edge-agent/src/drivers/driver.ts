/**
 * The one interface between the agent and a protocol. A driver reads its device and hands
 * readings and device events to a sink; everything after (scaling, the outbox, the uplink) is
 * the same for every protocol.
 */
export type Quality = 'good' | 'uncertain' | 'bad';

export interface PointReading {
  point: string;
  /** Raw decoded value before scale and offset; null when the read failed. */
  value: number | boolean | string | null;
  /** Source time where the device gives one, else the agent's read time (Unix ms). */
  timeMs: number;
  quality: Quality;
  /** The raw protocol data, for people (e.g. "0x4366 0x8000"). */
  raw?: string;
  /** Significant digits the source value carries (7 for a float32), where fewer than a double's. */
  significantDigits?: number;
  /** Why the reading is bad or uncertain. */
  error?: string;
}

export interface DeviceEvent {
  type: string;
  timeMs: number;
  body: Record<string, unknown>;
}

export interface ReadingSink {
  readings(device: string, readings: PointReading[]): void;
  event(device: string, event: DeviceEvent): void;
  /**
   * A device found at run time (e.g. by an MQTT topic wildcard), with the points of the
   * configured device `like`; its readings are taken from then on. False when the name belongs
   * to a configured device or to one `like` did not find: its readings must then be dropped.
   */
  deviceDiscovered(device: string, like: string): boolean;
}

export type DeviceState = 'connecting' | 'online' | 'offline' | 'stopped';

export interface DeviceHealth {
  device: string;
  state: DeviceState;
  lastGoodReadMs: number | null;
  /** Failed reads by kind (timeout, exception, connection, decode). */
  errors: Record<string, number>;
  reads: number;
  lastError: string | null;
}

export interface DeviceDriver {
  readonly device: string;
  /** Starts reading; returns at once. */
  start(sink: ReadingSink): void;
  stop(): Promise<void>;
  /** Connects, reads every point once, disconnects (for `davy-agent device test`). */
  readOnce(): Promise<PointReading[]>;
  health(): DeviceHealth;
}
