/** What a protocol folder gives the agent: its config schema and how to build its driver. */
import type { z } from 'zod';
import type { Logger } from '@davy/runtime';
import type { DeviceSpec } from '../config/device-spec.js';
import type { DeviceProfile } from '../profiles/index.js';
import type { DeviceDriver } from './driver.js';

/** A problem with a device's settings, at a path inside the device's entry in agent.yaml. */
export interface DeviceProblem {
  path: Array<string | number>;
  message: string;
  fix: string;
}

/** Where the device's config lives, for settings that name files or folders. */
export interface DeviceContext {
  /** The folder of agent.yaml: relative paths in a device's entry are relative to it. */
  configDir: string;
  /** The folder of the outbox file: where a driver keeps what it makes itself (e.g. certificates). */
  dataDir: string;
}

export interface DriverEntry<Schema extends z.ZodType, Device extends DeviceSpec> {
  /** The device's entry in agent.yaml, `protocol:` a literal that names this driver. */
  deviceSchema: Schema;
  /** The `protocol:` a profile must declare to be usable by this driver. */
  profileProtocol: string;
  /** The device's settings and its profile made into what the driver runs on. */
  resolve(device: z.output<Schema>, profile: DeviceProfile, context: DeviceContext): Device;
  /** Problems of a device's settings with its profile (e.g. a point larger than one read). */
  check(device: Device): DeviceProblem[];
  /** Problems between devices of this protocol (e.g. two on one line with one unit id). */
  checkAll?(devices: Device[]): Array<{ device: Device; problem: DeviceProblem }>;
  /** The driver; a protocol stack that is heavy to load is loaded when the driver starts. */
  create(device: Device, log: Logger): DeviceDriver;
  /** Where the device is and how it is read, for `davy-agent device list`. */
  describe(device: Device): { address: string; reading: string };
}
