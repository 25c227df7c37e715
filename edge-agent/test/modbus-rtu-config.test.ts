/**
 * Modbus RTU devices in agent.yaml as an engineer meets them: `device list` of a serial line and
 * of a serial server, and every mistake reported with its line, path and fix, all at once.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDavy, tempDir } from '@davy/runtime/testing';

function config(devices: string[]): { file: string; remove: () => void } {
  const { dir, remove } = tempDir();
  const file = path.join(dir, 'agent.yaml');
  writeFileSync(file, ['gateway: { id: gw-rtu, enterprise: 91350100M000100Y43, site: RTU config }', 'hub: { address: 127.0.0.1:9 }', 'devices:', ...devices.map((device) => `  - ${device}`), ''].join('\n'));
  return { file, remove };
}

describe('Modbus RTU devices in agent.yaml', () => {
  it.concurrent('lists each device with its line, settings, unit and the gap between frames', async (context) => {
    const { file, remove } = config([
      '{ name: ttc-1, protocol: modbus-rtu, profile: transformer-temperature-controller, port: /dev/ttyUSB0, unitId: 1 }',
      '{ name: gas-2, protocol: modbus-rtu, profile: gas-flow-computer, port: /dev/ttyUSB1, baudRate: 19200, parity: even, stopBits: 1, unitId: 2 }',
      '{ name: pv-3, protocol: modbus-rtu-over-tcp, profile: sunspec-inverter, host: 10.0.0.7, port: 4001, unitId: 3, interFrameGap: 10ms }',
    ]);
    context.onTestFinished(remove);
    const { code, output } = await runDavy('edge-agent', ['device', 'list', '--config', file]);
    expect(output.split('\n').slice(2)).toEqual([
      'ttc-1   modbus-rtu           transformer-temperature-controller  /dev/ttyUSB0 9600 8N1 unit 1         14      5.0 s, 1.0 min  2 requests per poll cycle, 3.65 ms between frames',
      'gas-2   modbus-rtu           gas-flow-computer                   /dev/ttyUSB1 19200 8E1 unit 2        11      1.0 s           1 request per poll cycle, 2.01 ms between frames',
      'pv-3    modbus-rtu-over-tcp  sunspec-inverter                    10.0.0.7:4001 unit 3 (RTU over TCP)  51      1.0 h, 5.0 s    2 requests per poll cycle, 10 ms between frames',
    ]);
    expect(code).toBe(0);
  });

  it.concurrent('names every mistake with its place and fix', async (context) => {
    const { file, remove } = config([
      '{ name: a, protocol: modbus-rtu, profile: belt-scale, parity: space, stopBits: 3, unitId: 0 }',
      '{ name: b, protocol: modbus-rtu-over-tcp, profile: belt-scale, host: 10.0.0.7, unitId: 248, interFrameGap: soon }',
      '{ name: c, protocol: modbus-rtu, profile: belt-scale, port: /dev/ttyUSB0, dataBits: 7 }',
    ]);
    context.onTestFinished(remove);
    const { code, output } = await runDavy('edge-agent', ['device', 'list', '--config', file]);
    expect(output).toBe(
      [
        `davy-agent: ${file}:4:5: devices[0].port: required string is missing`,
        '  fix: add "port:" under devices[0] — the serial port the line is on, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…',
        `${file}:4:67: devices[0].parity: "space" is not allowed`,
        '  fix: use one of: none, even, odd',
        `${file}:4:84: devices[0].stopBits: 3 is out of range: must be at most 2`,
        '  fix: change devices[0].stopBits — 1 or 2 (the standard asks for 2 when there is no parity bit; many devices use 1)',
        `${file}:4:95: devices[0].unitId: 0 is out of range: must be at least 1`,
        '  fix: change devices[0].unitId — the slave address set on the device, 1-247, unique on its line',
        `${file}:5:5: devices[1].port: required number is missing`,
        '  fix: add "port:" under devices[1] — the serial server\'s TCP port for this line (its "TCP server" mode), e.g. 4001',
        `${file}:5:92: devices[1].unitId: 248 is out of range: must be at most 247`,
        '  fix: change devices[1].unitId — the slave address set on the device, 1-247, unique on its line',
        `${file}:5:112: devices[1].interFrameGap: "soon" is not a duration`,
        '  fix: write it like 500ms, 10s, 5m or 1h',
        `${file}:6:89: devices[2].dataBits: 7 is out of range: must be at least 8`,
        '  fix: change devices[2].dataBits — RTU frames always carry 8 data bits',
      ].join('\n'),
    );
    expect(code).toBe(2);
  });
});
