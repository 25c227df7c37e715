/**
 * The RTU driver against peers this project did not write: pymodbus (Debian's python3-pymodbus
 * 3.0.0rc1, its RTU framer) serving two slaves as RTU over TCP, and on a serial line — a socat
 * pty pair, pymodbus on one end, the agent (its own RTU framing, through serialport) on the other.
 * Also davy-sim on a pty, as the agent's serial peer for `device probe --serial`. Register values
 * are packed by Python's struct in fixtures/pymodbus_rtu_line.py, independently of Davy's codec.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, freePort, runDavy, tempDir, waitFor } from '@davy/runtime/testing';
import { LinePool, ModbusRtuDriver, modbusRtuOverTcpDeviceSchema, resolveModbusRtuOverTcpDevice } from '../src/drivers/modbus-rtu/index.js';
import { bundledProfilesDir, loadProfile } from '../src/profiles/index.js';
import { deviceTestRows } from './fixtures/device-test-table.js';
import { pymodbus, untilListening, untilOpened } from './fixtures/pymodbus.js';
import { RecordingSink } from './support/recording-sink.js';

/** On a loaded machine a davy-sim process may take longer than the default 15 s to start. */
const startupMs = 30_000;

const log = createLogger({ component: 'test', sink: { write: () => true } });

/** What pymodbus serves, as `device test` prints it: point, raw registers, value, unit, quality. */
const gasFlowComputer = [
  ['standard_flow_rate', '0x4800 0x44e7', '1850.25', 'm³/h', 'good'],
  ['working_flow_rate', '0xc000 0x43de', '445.5', 'm³/h', 'good'],
  ['pressure', '0x4000 0x43d2', '420.5', 'kPa', 'good'],
  ['temperature', '0x0000 0xc050', '-3.25', '°C', 'good'],
  ['compressibility', '0xfa44 0x3f7d', '0.9921', '', 'good'],
  ['standard_volume_total', '0xf100 0x0217', '35123456', 'm³', 'good'],
  ['working_volume_total', '0x0a55 0x0081', '8456789', 'm³', 'good'],
  ['pressure_alarm', '0x000a', '0', '', 'good'],
  ['temperature_alarm', '0x000a', '1', '', 'good'],
  ['flow_alarm', '0x000a', '0', '', 'good'],
  ['battery_low', '0x000a', '1', '', 'good'],
];
const temperatureController = [
  ['winding_temperature_a', '0x0310', '78.4', '°C', 'good'],
  ['winding_temperature_b', '0x032c', '81.2', '°C', 'good'],
  ['winding_temperature_c', '0x031c', '79.6', '°C', 'good'],
  ['core_temperature', '0xff83', '-12.5', '°C', 'good'],
  ['hottest_winding_temperature', '0x032c', '81.2', '°C', 'good'],
  ['fan_running', '0x0001', '1', '', 'good'],
  ['over_temperature_alarm', '0x0001', '0', '', 'good'],
  ['over_temperature_trip', '0x0001', '0', '', 'good'],
  ['sensor_fault', '0x0001', '0', '', 'good'],
  ['fan_fault', '0x0001', '0', '', 'good'],
  ['fan_start_setpoint', '0x0320', '80', '°C', 'good'],
  ['fan_stop_setpoint', '0x0258', '60', '°C', 'good'],
  ['alarm_setpoint', '0x0514', '130', '°C', 'good'],
  ['trip_setpoint', '0x05dc', '150', '°C', 'good'],
];

/** A folder for agent.yaml and the pty links, removed when the test ends. */
function workspace(context: TestContext): string {
  const { dir, remove } = tempDir('davy-rtu-');
  context.onTestFinished(remove);
  return dir;
}

/** Two linked ptys, DIR/ttyA and DIR/ttyB, as a serial cable between two programs. */
async function ptyPair(context: TestContext, dir: string): Promise<{ agentEnd: string; deviceEnd: string }> {
  const [agentEnd, deviceEnd] = [path.join(dir, 'ttyA'), path.join(dir, 'ttyB')];
  const socat = new ManagedProcess('socat', 'socat', ['-d', '-d', `pty,raw,echo=0,link=${agentEnd}`, `pty,raw,echo=0,link=${deviceEnd}`]);
  context.onTestFinished(() => socat.stop());
  await socat.waitForLine((line) => line.includes('starting data transfer loop'), 10_000, 'socat\'s pty pair');
  return { agentEnd, deviceEnd };
}

/** pymodbus serving the line of fixtures/pymodbus_rtu_line.py, stopped when the test ends. */
function rtuLine(context: TestContext, args: string[]): ManagedProcess {
  const server = pymodbus('pymodbus_rtu_line.py', args);
  context.onTestFinished(() => server.stop());
  return server;
}

function agentConfig(dir: string, devices: string[]): string {
  const file = path.join(dir, 'agent.yaml');
  writeFileSync(file, ['gateway: { id: gw-rtu-peer, enterprise: 91350100M000100Y43, site: RTU peer test }', 'hub: { address: 127.0.0.1:9 }', 'devices:', ...devices.map((device) => `  - ${device}`), ''].join('\n'));
  return file;
}

describe('davy-agent against pymodbus on an RTU line', { timeout: 60_000 }, () => {
  it.concurrent('reads two slaves through pymodbus\'s RTU over TCP', async (context) => {
    const port = await freePort();
    rtuLine(context, ['tcp', String(port)]);
    await untilListening(port);
    const config = agentConfig(workspace(context), [
      `{ name: gas-1, protocol: modbus-rtu-over-tcp, profile: gas-flow-computer, host: 127.0.0.1, port: ${port}, unitId: 1 }`,
      `{ name: ttc-2, protocol: modbus-rtu-over-tcp, profile: transformer-temperature-controller, host: 127.0.0.1, port: ${port}, unitId: 2 }`,
    ]);
    const gas = await runDavy('edge-agent', ['device', 'test', 'gas-1', '--config', config]);
    expect(gas.output.split('\n')[0]).toMatch(new RegExp(`^gas-1 \\(gas-flow-computer\\) at 127\\.0\\.0\\.1:${port} unit 1 \\(RTU over TCP\\): 11 points in \\d+ ms$`));
    expect(deviceTestRows(gas.output)).toEqual(gasFlowComputer);
    expect(gas.code).toBe(0);
    const ttc = await runDavy('edge-agent', ['device', 'test', 'ttc-2', '--config', config]);
    expect(deviceTestRows(ttc.output)).toEqual(temperatureController);
    expect(ttc.code).toBe(0);

    // Both slaves polled over the one shared line, turn by turn, for a dozen polls each.
    const pool = new LinePool();
    const sink = new RecordingSink();
    const drivers = [
      ['gas-1', 'gas-flow-computer', 1],
      ['ttc-2', 'transformer-temperature-controller', 2],
    ].map(([name, profile, unitId]) => {
      const document = modbusRtuOverTcpDeviceSchema.parse({ name, protocol: 'modbus-rtu-over-tcp', profile, host: '127.0.0.1', port, unitId, pollInterval: 20 });
      const driver = new ModbusRtuDriver(resolveModbusRtuOverTcpDevice(document, loadProfile(path.join(bundledProfilesDir, `${profile}.yaml`))), log, pool);
      context.onTestFinished(() => driver.stop());
      driver.start(sink);
      return driver;
    });
    await waitFor(() => sink.of('gas-1').length >= 12 * 11 && sink.of('ttc-2').length >= 12 * 10, { what: 'a dozen polls of each' });
    await Promise.all(drivers.map((driver) => driver.stop()));
    expect(sink.received.every((reading) => reading.quality === 'good')).toBe(true);
    // Raw values, before the pipeline scales them.
    expect(new Set(sink.of('ttc-2').filter((reading) => reading.point === 'core_temperature').map((reading) => reading.value))).toEqual(new Set([-125]));
    expect(new Set(sink.of('gas-1').filter((reading) => reading.point === 'standard_volume_total').map((reading) => reading.value))).toEqual(new Set([35123456]));
    expect(sink.events.map((event) => [event.body.device, event.type]).sort()).toEqual([['gas-1', 'device.online'], ['ttc-2', 'device.online']]);
  });

  it.concurrent('reads a slave through a serial port: socat\'s pty pair, pymodbus on the other end', async (context) => {
    const dir = workspace(context);
    const { agentEnd, deviceEnd } = await ptyPair(context, dir);
    await untilOpened(rtuLine(context, ['serial', deviceEnd]), deviceEnd);
    const config = agentConfig(dir, [
      `{ name: gas-1, protocol: modbus-rtu, profile: gas-flow-computer, port: ${agentEnd}, baudRate: 9600, parity: none, unitId: 1 }`,
      `{ name: ttc-2, protocol: modbus-rtu, profile: transformer-temperature-controller, port: ${agentEnd}, unitId: 2 }`,
    ]);
    const gas = await runDavy('edge-agent', ['device', 'test', 'gas-1', '--config', config]);
    expect(gas.output.split('\n')[0]).toMatch(new RegExp(`^gas-1 \\(gas-flow-computer\\) at ${agentEnd.replaceAll('/', '\\/')} 9600 8N1 unit 1: 11 points in \\d+ ms$`));
    expect(deviceTestRows(gas.output)).toEqual(gasFlowComputer);
    expect(gas.code).toBe(0);
    const ttc = await runDavy('edge-agent', ['device', 'test', 'ttc-2', '--config', config]);
    expect(deviceTestRows(ttc.output)).toEqual(temperatureController);
    expect(ttc.code).toBe(0);
  });

  it.concurrent('probes davy-sim on a serial line: every order of the registers read through the pty', async (context) => {
    const dir = workspace(context);
    const { agentEnd, deviceEnd } = await ptyPair(context, dir);
    const sim = ManagedProcess.davy('simulators', ['modbus', '--serial', deviceEnd, '--unit', '4=belt-scale', '--set', 'coal_output_total.kind=constant', '--set', 'coal_output_total.value=1523042.5']);
    context.onTestFinished(() => sim.stop());
    await sim.waitForEvent('modbus.listening', startupMs);
    const probe = await runDavy('edge-agent', ['device', 'probe', '--serial', agentEnd, '--baud', '9600', '--parity', 'none', '--unit-id', '4', '--count', '2']);
    const lines = probe.output.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${agentEnd.replaceAll('/', '\\/')} unit 4: holding 0-1 \\(2 registers\\) read in \\d+ ms$`));
    expect(lines[2]).toBe('registers: 0xfa7a 0x0913');
    // 152304250 (1 523 042.50 t in 10 kg units) is the word-swapped reading, the belt scale's CDAB.
    expect(lines.find((line) => line.startsWith('0     uint32'))).toBe('0     uint32   4202301715         152304250            2063209225           319388410');
    expect(probe.code).toBe(0);
  });
});
