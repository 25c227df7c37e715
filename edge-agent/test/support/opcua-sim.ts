/** davy-sim opcua as a process for OPC UA tests: started, waited for, stopped at the test's end. */
import path from 'node:path';
import type { TestContext } from 'vitest';
import { ManagedProcess, tempDir } from '@davy/runtime/testing';
import { createLogger } from '@davy/runtime';
import type { DeviceDriver } from '../../src/drivers/driver.js';
import { opcuaDeviceSchema } from '../../src/drivers/opcua/opcua-config.js';
import { resolveOpcuaDevice, type OpcuaDevice } from '../../src/drivers/opcua/opcua-device.js';
import { OpcuaDriver } from '../../src/drivers/opcua/opcua-driver.js';
import { loadProfile } from '../../src/profiles/index.js';

export const silentLog = createLogger({ component: 'test', sink: { write: () => true } });

export async function startOpcuaSim(context: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ sim: ManagedProcess; port: number; endpoint: string }> {
  const sim = ManagedProcess.davy('simulators', ['opcua', ...args], { name: 'davy-sim opcua', env });
  context.onTestFinished(() => sim.stop());
  const listening = await sim.waitForEvent('opcua.listening', 30_000);
  return { sim, port: listening.port as number, endpoint: listening.endpoint as string };
}

/** A PKI folder of the test's own, removed at its end. */
export function testPki(context: TestContext): string {
  const { dir, remove } = tempDir('davy-opcua-pki-');
  context.onTestFinished(remove);
  return path.join(dir, 'pki');
}

/** An OPC UA driver in this process, as agent.yaml would configure it; stopped at the test's end. */
export function opcuaDriver(context: TestContext, profileFile: string, settings: Record<string, unknown>): { driver: OpcuaDriver; spec: OpcuaDevice } {
  const pki = (settings.pki as string | undefined) ?? testPki(context);
  const document = opcuaDeviceSchema.parse({ name: 'dev-1', protocol: 'opcua', profile: profileFile, ...settings, pki });
  const spec = resolveOpcuaDevice(document, loadProfile(profileFile), { configDir: process.cwd(), dataDir: process.cwd() });
  const driver = new OpcuaDriver(spec, silentLog);
  context.onTestFinished(() => (driver as DeviceDriver).stop());
  return { driver, spec };
}
