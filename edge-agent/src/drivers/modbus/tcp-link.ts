/** Modbus TCP: MBAP-framed requests on a TCP connection to the device or its gateway. */
import type { ModbusLink } from './modbus-connection.js';

export function modbusTcpLink(host: string, port: number): ModbusLink {
  return {
    where: `${host}:${port}`,
    open: (client) => client.connectTCP(host, { port }),
    close: (client) => client.destroy(() => undefined),
  };
}
