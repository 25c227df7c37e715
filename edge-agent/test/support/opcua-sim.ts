/** davy-sim opcua as a process for OPC UA tests, and the agent's OPC UA driver as agent.yaml would configure it. */
import path from 'node:path';
import { afterAll, type TestContext } from 'vitest';
import { ManagedProcess, tempDir } from '@davy/runtime/testing';
import { createLogger, type Logger } from '@davy/runtime';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { DeviceDriver } from '../../src/drivers/driver.js';
import { opcuaDeviceSchema } from '../../src/drivers/opcua/opcua-config.js';
import { checkOpcuaDevice, resolveOpcuaDevice, type OpcuaDevice } from '../../src/drivers/opcua/opcua-device.js';
import { OpcuaDriver } from '../../src/drivers/opcua/opcua-driver.js';
import { loadProfile } from '../../src/profiles/index.js';

export const silentLog = createLogger({ component: 'test', sink: { write: () => true } });

/** A logger that keeps every event (debug too), for tests that wait on or check what a driver logged. */
export function recordingLog(): { log: Logger; events: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const log = createLogger({ component: 'test', level: 'debug', sink: { write: (line: string) => lines.push(line) } });
  return { log, events: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** davy-sim opcua on the given arguments, started, waited for, stopped at the test's end. */
export async function startOpcuaSim(context: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ sim: ManagedProcess; port: number; endpoint: string }> {
  const sim = ManagedProcess.davy('simulators', ['opcua', ...args], { name: 'davy-sim opcua', env });
  context.onTestFinished(() => sim.stop());
  const listening = await sim.waitForEvent('opcua.listening', 30_000);
  return { sim, port: listening.port as number, endpoint: listening.endpoint as string };
}

/**
 * One agent PKI folder for all the tests of a file, so the agent's key and certificate are made
 * once (node-opcua creates them under a file lock, so concurrent tests may share it); removed
 * when the file's tests are done. Call it at the top of the file.
 */
export function pkiOfTestFile(): string {
  const { dir, remove } = tempDir('davy-opcua-pki-');
  afterAll(remove);
  return path.join(dir, 'pki');
}

/** A PKI folder of the test's own, removed at its end. */
export function testPki(context: TestContext): string {
  const { dir, remove } = tempDir('davy-opcua-pki-');
  context.onTestFinished(remove);
  return path.join(dir, 'pki');
}

/** Initialized certificate managers on a PKI folder, as node-opcua-pki's registry of undisposed managers lists them. */
export function certificateManagersOn(pkiDir: string): number {
  try {
    OPCUACertificateManager.checkAllDisposed();
    return 0;
  } catch (error) {
    return String(error).split('\n').filter((line) => line.trim() === `- ${pkiDir}`).length;
  }
}

/**
 * An OPC UA driver in this process, as agent.yaml would configure it (settings checked as at the
 * agent's start; `pki` always given, so no test writes certificates into the checkout); stopped
 * at the test's end.
 */
export function opcuaDriver(context: TestContext, profileFile: string, settings: { pki: string; [key: string]: unknown }, log = silentLog): { driver: OpcuaDriver; spec: OpcuaDevice } {
  const document = opcuaDeviceSchema.parse({ name: 'dev-1', protocol: 'opcua', profile: profileFile, ...settings });
  const spec = resolveOpcuaDevice(document, loadProfile(profileFile), { configDir: process.cwd(), dataDir: process.cwd() });
  const problems = checkOpcuaDevice(spec);
  if (problems.length > 0) throw new Error(`the agent would refuse this device: ${problems.map((problem) => problem.message).join('; ')}`);
  const driver = new OpcuaDriver(spec, log);
  context.onTestFinished(() => (driver as DeviceDriver).stop());
  return { driver, spec };
}
