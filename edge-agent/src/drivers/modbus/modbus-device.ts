/** A Modbus TCP device resolved against its profile: where it answers, and its points. */
import type { DeviceProfile } from '../../profiles/index.js';
import { resolveModbusPolling, type ModbusPolledDevice } from './modbus-points.js';
import type { ModbusTcpDeviceDocument } from './modbus-tcp-config.js';

export interface ModbusTcpDevice extends ModbusPolledDevice {
  protocol: 'modbus-tcp';
  host: string;
  port: number;
}

export function resolveModbusTcpDevice(device: ModbusTcpDeviceDocument, profile: DeviceProfile): ModbusTcpDevice {
  return {
    name: device.name,
    protocol: 'modbus-tcp',
    profile: profile.name,
    host: device.host,
    port: device.port,
    unitId: device.unitId,
    timeoutMs: device.timeout,
    offlineAfterFailures: device.offlineAfterFailures,
    ...resolveModbusPolling(device, profile),
  };
}
