/**
 * serialport is an optional dependency: the agent runs without it until a device on a serial
 * port is configured. Whether it can be loaded is checked before a serial line opens, so the
 * device says what is missing and how to fix it.
 */
import { createRequire } from 'node:module';

const fromAgent = createRequire(import.meta.url);

/** Why serial ports cannot be opened here, with the fix; undefined when they can. */
export function serialSupportProblem(resolve: (name: string) => string = (name) => fromAgent.resolve(name)): string | undefined {
  try {
    resolve('serialport');
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    return (
      `serial port support is not installed: the optional package serialport cannot be loaded (${code}); ` +
      'fix: install the agent with its optional dependencies (pnpm install, without --no-optional), or add serialport@13 to it'
    );
  }
}
