/**
 * The benchmark's device: 500 contiguous holding registers read as 250 float32 points (ABCD),
 * built in memory and checked by the real profile schema. The simulator serves it (each point a
 * slow wave, so the agent decodes changing floats) and the agent polls it.
 */
import { profileSchema } from '../../edge-agent/src/profiles/profile-schema.js';
import type { DeviceProfile } from '../../edge-agent/src/profiles/profile-files.js';

export const registersPerDevice = 500;
export const registersPerPoint = 2;
export const pointsPerDevice = registersPerDevice / registersPerPoint;

/** `pollInterval`: as a profile writes it, e.g. "1ms" (back to back) or "1s". */
export function benchProfile(pollInterval: string): DeviceProfile {
  const document = profileSchema.parse({
    protocol: 'modbus',
    model: `benchmark device, ${registersPerDevice} holding registers`,
    defaults: { order: 'ABCD', pollInterval },
    points: Array.from({ length: pointsPerDevice }, (_, index) => ({
      name: `value_${index}`,
      table: 'holding',
      address: index * registersPerPoint,
      type: 'float32',
      metric: 'bench_value',
      unit: '',
      simulate: { kind: 'wave', mean: 100 + index, amplitude: 5, periodS: 60 },
    })),
  });
  return { name: 'bench-500-registers', file: '(built in memory by bench/modbus/profile.ts)', document };
}
