/** A Modbus RTU device resolved against its profile: its line, its slave address, its points. */
import type { DeviceProfile } from '../../profiles/index.js';
import { resolveModbusPolling, type ModbusPolledDevice } from '../modbus/index.js';
import type { ModbusRtuDeviceDocument, ModbusRtuOverTcpDeviceDocument } from './rtu-config.js';
import { defaultInterFrameGapMs, type RtuLine } from './rtu-line.js';

export interface ModbusRtuDevice extends ModbusPolledDevice {
  protocol: 'modbus-rtu' | 'modbus-rtu-over-tcp';
  line: RtuLine;
  interFrameGapMs: number;
}

export function resolveModbusRtuDevice(device: ModbusRtuDeviceDocument, profile: DeviceProfile): ModbusRtuDevice {
  const { port: path, baudRate, parity, dataBits, stopBits } = device;
  return resolveOnLine(device, profile, { kind: 'serial', path, baudRate, parity, dataBits, stopBits });
}

export function resolveModbusRtuOverTcpDevice(device: ModbusRtuOverTcpDeviceDocument, profile: DeviceProfile): ModbusRtuDevice {
  return resolveOnLine(device, profile, { kind: 'tcp', host: device.host, port: device.port });
}

function resolveOnLine(device: ModbusRtuDeviceDocument | ModbusRtuOverTcpDeviceDocument, profile: DeviceProfile, line: RtuLine): ModbusRtuDevice {
  return {
    name: device.name,
    protocol: device.protocol,
    profile: profile.name,
    line,
    interFrameGapMs: device.interFrameGap ?? defaultInterFrameGapMs(line),
    unitId: device.unitId,
    timeoutMs: device.timeout,
    offlineAfterFailures: device.offlineAfterFailures,
    ...resolveModbusPolling(device, profile),
  };
}
