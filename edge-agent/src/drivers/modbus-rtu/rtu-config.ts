/**
 * Modbus RTU devices in agent.yaml: slaves on a serial port (RS-485/RS-232), or on the line
 * behind a serial server (DTU) that carries RTU frames over TCP. Devices naming the same port,
 * or the same host:port, share that line.
 */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonDeviceFields } from '../../config/device-common.js';
import { modbusPollFields } from '../modbus/modbus-device-fields.js';

const lineFields = {
  unitId: z.number().int().min(1).max(247).default(1).describe('the slave address set on the device, 1-247, unique on its line'),
  ...modbusPollFields,
  offlineAfterFailures: z.number().int().min(1).default(3).describe('consecutive failed polls before the device counts as offline and is polled less often, so the other devices on its line keep their rate'),
  interFrameGap: durationMs()
    .optional()
    .describe('silence on the line between a reply and the next request, e.g. 5ms; default 3.5 characters at the baud rate (1.75 ms above 19200 baud), or 4 ms behind a serial server'),
};

export const modbusRtuDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('modbus-rtu'),
    port: z.string().min(1).describe('the serial port the line is on, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…'),
    baudRate: z.number().int().min(300).max(921_600).default(9600).describe('the line speed set on every device of the line, e.g. 9600'),
    parity: z.enum(['none', 'even', 'odd']).default('none').describe('none, even or odd, as set on the devices (the Modbus standard\'s default is even)'),
    // Plain numbers, not literals: a literal field would read as the entry's discriminator.
    dataBits: z.number().int().min(8).max(8).default(8).describe('RTU frames always carry 8 data bits'),
    stopBits: z.number().int().min(1).max(2).default(1).describe('1 or 2 (the standard asks for 2 when there is no parity bit; many devices use 1)'),
    ...lineFields,
  })
  .strict();

export const modbusRtuOverTcpDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('modbus-rtu-over-tcp'),
    host: z.string().min(1).describe('the serial server\'s (DTU\'s) IP address or host name'),
    port: z.number().int().min(1).max(65535).describe('the serial server\'s TCP port for this line (its "TCP server" mode), e.g. 4001'),
    ...lineFields,
  })
  .strict();

export type ModbusRtuDeviceDocument = z.output<typeof modbusRtuDeviceSchema>;
export type ModbusRtuOverTcpDeviceDocument = z.output<typeof modbusRtuOverTcpDeviceSchema>;
