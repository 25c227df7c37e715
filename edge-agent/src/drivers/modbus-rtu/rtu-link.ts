/**
 * How RTU frames reach a line: modbus-serial's buffered RTU port on a serial device, or its
 * "telnet" port, which sends the same RTU frames (address, PDU, CRC) over a TCP socket — what a
 * serial server in transparent (TCP server) mode expects. (modbus-serial's "TcpRTUBuffered"
 * port, despite its name, speaks MBAP, i.e. Modbus TCP.)
 */
import type { ModbusLink } from '../modbus/modbus-connection.js';
import { lineAddress, type RtuLine } from './rtu-line.js';
import { serialSupportProblem } from './serial-support.js';

export function rtuLink(line: RtuLine): ModbusLink {
  const where = lineAddress(line);
  if (line.kind === 'tcp') {
    return {
      where,
      open: (client) => client.connectTelnet(line.host, { port: line.port }),
      close: (client) => client.destroy(() => undefined),
    };
  }
  return {
    where,
    open: async (client) => {
      const problem = serialSupportProblem();
      if (problem) throw new Error(problem);
      await client.connectRTUBuffered(line.path, { baudRate: line.baudRate, parity: line.parity, dataBits: line.dataBits, stopBits: line.stopBits });
    },
    // The serial port has no destroy: closing it is immediate.
    close: (client) => client.close(() => undefined),
  };
}
