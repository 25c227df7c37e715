/**
 * Every protocol the agent speaks, by the name a device's `protocol:` gives. Adding a protocol
 * is a folder under drivers/ and one entry here.
 */
import type { Logger } from '@davy/runtime';
import type { DeviceSpec } from '../config/device-spec.js';
import type { DeviceProfile } from '../profiles/index.js';
import type { DeviceDriver } from './driver.js';
import { checkModbusTcpDevice, resolveModbusTcpDevice, type ModbusTcpDevice } from './modbus/modbus-device.js';
import type { ModbusTcpDeviceDocument } from './modbus/modbus-tcp-config.js';
import { ModbusTcpDriver, planPollGroups } from './modbus/modbus-tcp-driver.js';

/** A problem with a device's settings, at a path inside the device's entry in agent.yaml. */
export interface DeviceProblem {
  path: string[];
  message: string;
  fix: string;
}

interface DriverEntry<Document, Device extends DeviceSpec> {
  /** The `protocol:` a profile must declare to be usable by this driver. */
  profileProtocol: string;
  /** Problems of a device's settings with its profile (e.g. a point larger than one read). */
  check(device: Device): DeviceProblem[];
  resolve(device: Document, profile: DeviceProfile): Device;
  create(device: Device, log: Logger): DeviceDriver;
  /** Where the device is and how it is read, for `davy-agent device list`. */
  describe(device: Device): { address: string; reading: string };
}

const modbusTcp: DriverEntry<ModbusTcpDeviceDocument, ModbusTcpDevice> = {
  profileProtocol: 'modbus',
  resolve: resolveModbusTcpDevice,
  check: checkModbusTcpDevice,
  create: (device, log) => new ModbusTcpDriver(device, log),
  describe: (device) => {
    const requests = planPollGroups(device).reduce((sum, group) => sum + group.reads.length, 0);
    return { address: `${device.host}:${device.port} unit ${device.unitId}`, reading: `${requests} request${requests === 1 ? '' : 's'} per poll cycle` };
  },
};

export const drivers = { 'modbus-tcp': modbusTcp };

export type DeviceDocument = ModbusTcpDeviceDocument;
export type ResolvedDevice = ModbusTcpDevice;

export function driverFor(protocol: DeviceDocument['protocol']) {
  return drivers[protocol];
}

export function describeDevice(device: ResolvedDevice): { address: string; reading: string } {
  return drivers[device.protocol].describe(device);
}

export function createDriver(device: ResolvedDevice, log: Logger): DeviceDriver {
  return drivers[device.protocol].create(device, log.child({ device: device.name }));
}
