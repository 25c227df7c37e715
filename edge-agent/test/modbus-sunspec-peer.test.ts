/**
 * The agent against SunSpec inverters it did not simulate itself: pymodbus serving maps whose
 * registers Python packs with struct from the SunSpec models (fixtures/pymodbus_sunspec.py), so a
 * sign, byte-order or scale-factor mistake shared by the agent's codec and davy-sim cannot pass.
 * Every value is the engineering value the inverter means; registers the inverter does not
 * implement are bad readings that say so; a map one register off is refused as a whole.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runDavy, tempDir, type ManagedProcess } from '@davy/runtime/testing';
import { deviceTestRows } from './fixtures/device-test-table.js';
import { pymodbus, untilListening } from './fixtures/pymodbus.js';

let server: ManagedProcess;
let config: string;
const { dir, remove } = tempDir();

beforeAll(async () => {
  const port = await freePort();
  server = pymodbus('pymodbus_sunspec.py', [String(port)]);
  await untilListening(port);
  config = path.join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'gateway: { id: gw-sunspec, enterprise: 91350100M000100Y43, site: SunSpec peer test }',
      'hub: { address: 127.0.0.1:9 }',
      'devices:',
      `  - { name: pv-1, protocol: modbus-tcp, profile: sunspec-inverter, host: 127.0.0.1, port: ${port}, unitId: 1 }`,
      `  - { name: pv-old, protocol: modbus-tcp, profile: sunspec-inverter, host: 127.0.0.1, port: ${port}, unitId: 2 }`,
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await server?.stop();
  remove();
});

/** Point, value, unit and quality of each row, as `device test` prints them. */
const valuesOf = (output: string) => deviceTestRows(output).map(([point, , value, unit, quality]) => [point, value, unit, quality]);

describe('davy-agent against pymodbus SunSpec inverters', { timeout: 30_000 }, () => {
  it.concurrent('reads every point of models 1 and 103 as the inverter means it, and what it does not implement as bad', async () => {
    const { code, output } = await runDavy('edge-agent', ['device', 'test', 'pv-1', '--config', config]);
    const notImplemented = (pattern: string) => `bad: not implemented by the device (${pattern})`;
    expect(valuesOf(output)).toEqual([
      ['ac_current', '29.47', 'A', 'good'],
      ['ac_current_l1', '9.82', 'A', 'good'],
      ['ac_current_l2', '9.83', 'A', 'good'],
      ['ac_current_l3', '9.82', 'A', 'good'],
      ['ac_current_sf', '-2', '', 'good'],
      ['voltage_l1_l2', '', 'V', notImplemented('0xFFFF')],
      ['voltage_l2_l3', '', 'V', notImplemented('0xFFFF')],
      ['voltage_l3_l1', '', 'V', notImplemented('0xFFFF')],
      ['voltage_l1', '230.5', 'V', 'good'],
      ['voltage_l2', '230.1', 'V', 'good'],
      ['voltage_l3', '231.4', 'V', 'good'],
      ['voltage_sf', '-1', '', 'good'],
      ['ac_power', '20.34', 'kW', 'good'],
      ['ac_power_sf', '1', '', 'good'],
      ['frequency', '50.01', 'Hz', 'good'],
      ['frequency_sf', '-2', '', 'good'],
      ['apparent_power', '20.61', 'kVA', 'good'],
      ['apparent_power_sf', '1', '', 'good'],
      ['reactive_power', '-1.25', 'kvar', 'good'],
      ['reactive_power_sf', '1', '', 'good'],
      ['power_factor', '-0.987', '', 'good'],
      ['power_factor_sf', '-1', '', 'good'],
      ['energy_total', '1845230.5', 'kWh', 'good'],
      ['energy_sf', '1', '', 'good'],
      ['dc_current', '32.55', 'A', 'good'],
      ['dc_current_sf', '-2', '', 'good'],
      ['dc_voltage', '650.3', 'V', 'good'],
      ['dc_voltage_sf', '-1', '', 'good'],
      ['dc_power', '21.17', 'kW', 'good'],
      ['dc_power_sf', '1', '', 'good'],
      ['cabinet_temperature', '41.5', '°C', 'good'],
      ['heat_sink_temperature', '52.3', '°C', 'good'],
      ['transformer_temperature', '', '°C', notImplemented('0x8000')],
      ['other_temperature', '-5.2', '°C', 'good'],
      ['temperature_sf', '-1', '', 'good'],
      ['operating_state', '4', '', 'good'],
      ['vendor_state', '', '', notImplemented('0xFFFF')],
      ['event_flags', '129', '', 'good'],
      ['ground_fault', '1', '', 'good'],
      ['over_temperature', '1', '', 'good'],
      ['sunspec_id', '1400204883', '', 'good'],
      ['common_model_id', '1', '', 'good'],
      ['common_model_length', '66', '', 'good'],
      ['manufacturer', '"Davy Solar"', '', 'good'],
      ['model', '"DS-20K"', '', 'good'],
      ['options', '""', '', 'good'],
      ['version', '"1.4.2"', '', 'good'],
      ['serial_number', '"DS20K0012345"', '', 'good'],
      ['device_address', '1', '', 'good'],
      ['inverter_model_id', '103', '', 'good'],
      ['inverter_model_length', '50', '', 'good'],
    ]);
    // Bad readings make `device test` fail, as it should for an engineer checking a device.
    expect(code).toBe(1);
  });

  it.concurrent('refuses every value of an inverter whose common model is one register short, saying why', async () => {
    const { code, output } = await runDavy('edge-agent', ['device', 'test', 'pv-old', '--config', config]);
    const rows = valuesOf(output);
    expect(rows).toHaveLength(51);
    const reason = "bad: the device's register map is not the profile's: inverter_model_id is 50, the profile expects 103";
    expect(rows.filter(([, value, , quality]) => value !== '' || quality !== reason)).toEqual([]);
    expect(code).toBe(1);
  });
});
