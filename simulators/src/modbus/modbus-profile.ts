/** davy-sim modbus serves Modbus profiles only: others (MQTT, JSON) are refused by name. */
import { ConfigError } from '@davy/runtime';
import type { ModbusProfileDocument } from '@davy/edge-agent/modbus';
import type { DeviceProfile } from '@davy/edge-agent/profiles';

export type ModbusProfile = DeviceProfile & { document: ModbusProfileDocument };

export function asModbusProfile(profile: DeviceProfile): ModbusProfile {
  if (profile.document.protocol === 'modbus') return profile as ModbusProfile;
  throw new ConfigError(profile.file, [
    { path: ['protocol'], message: `profile "${profile.name}" is for ${profile.document.protocol} devices, not Modbus`, fix: 'give davy-sim modbus a profile with protocol: modbus' },
  ]);
}
