/** The two ways to reach a Modbus RTU line, as agent.yaml names them; both run ModbusRtuDriver. */
import type { Logger } from '@davy/runtime';
import type { DriverEntry } from '../driver-entry.js';
import { checkModbusDevice, planPollGroups, requestsPerCycle } from '../modbus/index.js';
import { modbusRtuDeviceSchema, modbusRtuOverTcpDeviceSchema } from './rtu-config.js';
import { resolveModbusRtuDevice, resolveModbusRtuOverTcpDevice, type ModbusRtuDevice } from './rtu-device.js';
import { ModbusRtuDriver } from './rtu-driver.js';
import { lineConflicts } from './line-pool.js';
import { describeLine } from './rtu-line.js';

const common = {
  profileProtocol: 'modbus',
  check: checkModbusDevice,
  checkAll: (devices: ModbusRtuDevice[]) => lineConflicts(devices).map(({ device, conflict }) => ({ device, problem: { path: [], ...conflict } })),
  create: (device: ModbusRtuDevice, log: Logger) => new ModbusRtuDriver(device, log),
  describe: (device: ModbusRtuDevice) => ({
    address: `${describeLine(device.line)} unit ${device.unitId}${device.line.kind === 'tcp' ? ' (RTU over TCP)' : ''}`,
    reading: `${requestsPerCycle(planPollGroups(device))}, ${Number(device.interFrameGapMs.toFixed(2))} ms between frames`,
  }),
};

export const modbusRtuEntry: DriverEntry<typeof modbusRtuDeviceSchema, ModbusRtuDevice> = {
  ...common,
  deviceSchema: modbusRtuDeviceSchema,
  resolve: resolveModbusRtuDevice,
};

export const modbusRtuOverTcpEntry: DriverEntry<typeof modbusRtuOverTcpDeviceSchema, ModbusRtuDevice> = {
  ...common,
  deviceSchema: modbusRtuOverTcpDeviceSchema,
  resolve: resolveModbusRtuOverTcpDevice,
};
