/**
 * serialport is an optional dependency: the agent runs without it until a device on a serial
 * port is configured. modbus-serial loads it from its own folder, so that is where to look.
 */
import { createRequire } from 'node:module';

const fromModbusSerial = createRequire(createRequire(import.meta.url).resolve('modbus-serial'));

/** Why serial ports cannot be opened here, with the fix; undefined when they can. */
export function serialSupportProblem(resolve: (name: string) => string = (name) => fromModbusSerial.resolve(name)): string | undefined {
  try {
    resolve('serialport');
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    return (
      `serial port support is not installed: the optional package serialport cannot be loaded (${code}); ` +
      'fix: install the agent with its optional dependencies (pnpm install, without --no-optional), or add serialport@13 beside modbus-serial'
    );
  }
}
