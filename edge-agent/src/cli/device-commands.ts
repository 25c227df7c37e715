import { Command } from 'commander';
import { createLogger, exitCodes, formatDurationMs, formatTable, UsageError } from '@davy/runtime';
import { loadAgentConfig } from '../config/load-agent-config.js';
import type { PointReading } from '../drivers/driver.js';
import { createDriver, describeDevice } from '../drivers/registry.js';
import { scaleValue } from '../pipeline/scale.js';
import { configOption } from './config-option.js';
import { discoverCommand } from './device-discover.js';
import { probeCommand } from './device-probe.js';

export function deviceCommand(): Command {
  const device = new Command('device').description('Inspect and test the devices in agent.yaml');

  device
    .command('list')
    .description('List the configured devices with their profile, address and polling')
    .addOption(configOption())
    .action((options: { config: string }) => {
      const config = loadAgentConfig(options.config);
      const rows = config.devices.map((spec) => {
        const { address, reading } = describeDevice(spec);
        const intervals = [...new Set(spec.points.map((point) => (point.intervalMs === 0 ? 'pushed' : formatDurationMs(point.intervalMs))))].join(', ');
        return [spec.name, spec.protocol, spec.profile, address, spec.points.length, intervals, reading];
      });
      process.stdout.write(formatTable(['DEVICE', 'PROTOCOL', 'PROFILE', 'ADDRESS', 'POINTS', 'INTERVAL', 'READING'], rows));
    });

  device
    .command('test')
    .description('Read every point of one device once and print raw data, value, unit and quality')
    .argument('<name>', 'the device name from agent.yaml')
    .addOption(configOption())
    .action(async (name: string, options: { config: string }) => {
      const config = loadAgentConfig(options.config);
      const spec = config.devices.find((candidate) => candidate.name === name);
      if (!spec) {
        throw new UsageError(`no device "${name}" in ${config.file}; devices: ${config.devices.map((d) => d.name).join(', ') || '(none)'}`);
      }
      const driver = createDriver(spec, createLogger({ component: 'davy-agent', level: 'warn' }));
      const started = Date.now();
      const readings = await driver.readOnce();
      const points = new Map(spec.points.map((point) => [point.name, point]));
      const rows = readings.map((reading) => {
        const point = points.get(reading.point)!;
        return [reading.point, reading.raw ?? '', formatValue(reading, point), point.unit, reading.error ? `${reading.quality}: ${reading.error}` : reading.quality];
      });
      const { address } = describeDevice(spec);
      process.stdout.write(`${spec.name} (${spec.profile}) at ${address}: ${readings.length} points in ${Date.now() - started} ms\n\n`);
      process.stdout.write(formatTable(['POINT', 'RAW', 'VALUE', 'UNIT', 'QUALITY'], rows));
      if (readings.some((reading) => reading.quality !== 'good')) process.exitCode = exitCodes.failed;
    });

  // Protocol-specific tools, one file each.
  device.addCommand(discoverCommand());
  device.addCommand(probeCommand());
  return device;
}

/** The engineering value with the digits its source carries (no float32 or binary-fraction noise). */
function formatValue(reading: PointReading, point: { scale: number; offset: number }): string {
  if (reading.value === null) return '';
  if (typeof reading.value === 'string') return JSON.stringify(reading.value);
  const value = scaleValue(reading.value, point);
  return String(Number(value.toPrecision(reading.significantDigits ?? 15)));
}
