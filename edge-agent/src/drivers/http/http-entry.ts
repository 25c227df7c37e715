import { formatDurationMs } from '@davy/runtime';
import type { DriverEntry } from '../driver-entry.js';
import { httpDeviceSchema } from './http-config.js';
import { checkHttpDevice, resolveHttpDevice, safeUrl, type HttpDevice } from './http-device.js';
import { HttpDriver } from './http-driver.js';

export const httpEntry: DriverEntry<typeof httpDeviceSchema, HttpDevice> = {
  deviceSchema: httpDeviceSchema,
  profileProtocol: 'json',
  resolve: resolveHttpDevice,
  check: checkHttpDevice,
  create: (device, log) => new HttpDriver(device, log),
  describe: (device) => ({
    address: URL.canParse(device.url) ? safeUrl(device.url) : device.url,
    reading: `${device.method} every ${formatDurationMs(device.pollIntervalMs)}, ${device.auth ? `${device.auth.type} auth` : 'no auth'}`,
  }),
};
