/**
 * Every protocol the agent speaks, by the name a device's `protocol:` gives. Adding a protocol
 * is a folder under drivers/ and one line here.
 */
import type { z } from 'zod';
import type { Logger } from '@davy/runtime';
import type { DeviceSpec } from '../config/device-spec.js';
import type { DeviceProfile } from '../profiles/index.js';
import type { DeviceDriver } from './driver.js';
import type { DeviceContext, DeviceProblem, DriverEntry } from './driver-entry.js';
import { httpEntry } from './http/http-entry.js';
import { modbusTcpEntry } from './modbus/modbus-tcp-entry.js';
import { opcuaEntry } from './opcua/opcua-entry.js';
import { mqttEntry } from './mqtt/mqtt-entry.js';
import { sparkplugEntry } from './mqtt/sparkplug/sparkplug-entry.js';
import { modbusRtuEntry, modbusRtuOverTcpEntry } from './modbus-rtu/rtu-entry.js';

export const drivers = {
  'modbus-tcp': modbusTcpEntry,
  opcua: opcuaEntry,
  mqtt: mqttEntry,
  sparkplug: sparkplugEntry,
  http: httpEntry,
  'modbus-rtu': modbusRtuEntry,
  'modbus-rtu-over-tcp': modbusRtuOverTcpEntry,
} as const;

type Entries = (typeof drivers)[keyof typeof drivers];
export type DeviceDocument = z.output<Entries['deviceSchema']>;
export type ResolvedDevice = Entries extends DriverEntry<z.ZodType, infer Device> ? Device : never;

/** The schemas of every protocol's device entry, for agent.yaml's `devices:` list. */
export const deviceSchemas = Object.values(drivers).map((entry) => entry.deviceSchema) as [Entries['deviceSchema'], ...Array<Entries['deviceSchema']>];

/** The entry for a protocol, typed loosely: each entry checks its own devices. */
function entryFor(protocol: string): DriverEntry<z.ZodType, DeviceSpec> {
  return drivers[protocol as keyof typeof drivers] as unknown as DriverEntry<z.ZodType, DeviceSpec>;
}

export function profileProtocolFor(protocol: DeviceDocument['protocol']): string {
  return entryFor(protocol).profileProtocol;
}

export function resolveDevice(document: DeviceDocument, profile: DeviceProfile, context: DeviceContext): { device: ResolvedDevice; problems: DeviceProblem[] } {
  const entry = entryFor(document.protocol);
  const device = entry.resolve(document, profile, context) as ResolvedDevice;
  return { device, problems: entry.check(device) };
}

/** Problems between devices of one protocol (each protocol's checkAll). */
export function problemsBetween(devices: ResolvedDevice[]): Array<{ device: ResolvedDevice; problem: DeviceProblem }> {
  const byProtocol = new Map<string, ResolvedDevice[]>();
  for (const device of devices) byProtocol.set(device.protocol, [...(byProtocol.get(device.protocol) ?? []), device]);
  return [...byProtocol].flatMap(([protocol, group]) => (entryFor(protocol).checkAll?.(group) ?? []) as Array<{ device: ResolvedDevice; problem: DeviceProblem }>);
}

export function describeDevice(device: ResolvedDevice): { address: string; reading: string } {
  return entryFor(device.protocol).describe(device);
}

export function createDriver(device: ResolvedDevice, log: Logger): DeviceDriver {
  return entryFor(device.protocol).create(device, log.child({ device: device.name }));
}
