/**
 * `davy-agent device probe`: a register range read every way a device may lay it out, from a
 * device given by address or by its name in agent.yaml, and the errors an engineer meets in the
 * field. The devices are davy-sim processes with pinned values.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';

/** On a loaded machine a davy-sim process may take longer than the default 15 s to start. */
const startupMs = 30_000;

async function simulator(context: TestContext, args: string[]): Promise<number> {
  const sim = ManagedProcess.davy('simulators', ['modbus', '--port', '0', ...args]);
  context.onTestFinished(() => sim.stop());
  return (await sim.waitForEvent('modbus.listening', startupMs)).port as number;
}

describe('davy-agent device probe', { timeout: 60_000 }, () => {
  // A meter whose voltage_l1 (input 0-1, float32 ABCD) is 230.5, for the tests that read it.
  let meter: ManagedProcess;
  let port: number;
  beforeAll(async () => {
    meter = ManagedProcess.davy('simulators', ['modbus', '--port', '0', '--profile', 'three-phase-meter', '--set', 'voltage_l1.kind=constant', '--set', 'voltage_l1.value=230.5']);
    port = (await meter.waitForEvent('modbus.listening', startupMs)).port as number;
  }, startupMs);
  afterAll(() => meter?.stop());

  it.concurrent('prints a float32 of 230.5 every way it can be read, and marks the implausible ones', async () => {
    const { code, output } = await runDavy('edge-agent', ['device', 'probe', '--tcp', `127.0.0.1:${port}`, '--table', 'input', '--address', '0', '--count', '2']);
    expect(output.replace(/read in \d+ ms/, 'read in N ms')).toBe(
      [
        `127.0.0.1:${port} unit 1: input 0-1 (2 registers) read in N ms`,
        '',
        'registers: 0x4366 0x8000',
        '',
        '16-bit values',
        'ADDR  TYPE    AB (big-endian)  BA (byte-swapped)',
        '----  ------  ---------------  -----------------',
        '0     int16   17254            26179',
        '0     uint16  17254            26179',
        '0     text    "Cf"             "fC"',
        '1     int16   -32768           128',
        '1     uint16  32768            128',
        '1     text    "··"             "··"',
        '',
        '32-bit values (ADDR and ADDR+1)',
        'ADDR  TYPE     ABCD (big-endian)  CDAB (word-swapped)  BADC (byte-swapped)  DCBA (little-endian)',
        '----  -------  -----------------  -------------------  -------------------  --------------------',
        '0     float32  230.5              -2.4178e-41 ?        2.302177e+23 ?       1.179163e-38 ?',
        '0     int32    1130790912         -2147466394          1715667072           8414787',
        '0     uint32   1130790912         2147500902           1715667072           8414787',
        '',
        '? implausible as a measurement: NaN, infinite, or a float beyond 1e±15 — usually the exponent of a wrong order',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  it.concurrent('probes a device of agent.yaml by its name: its line, unit id and timeout', async (context) => {
    const port = await simulator(context, ['--rtu-over-tcp', '--unit', '2=belt-scale', '--set', 'coal_output_total.kind=constant', '--set', 'coal_output_total.value=1523042.5']);
    const { dir, remove } = tempDir();
    context.onTestFinished(remove);
    const config = path.join(dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        'gateway: { id: gw-probe, enterprise: 91350100M000100Y43, site: Probe test }',
        'hub: { address: 127.0.0.1:9 }',
        'devices:',
        `  - { name: scale-2, protocol: modbus-rtu-over-tcp, profile: belt-scale, host: 127.0.0.1, port: ${port}, unitId: 2, timeout: 300ms }`,
        '',
      ].join('\n'),
    );
    const probe = await runDavy('edge-agent', ['device', 'probe', 'scale-2', '--config', config, '--count', '4']);
    const lines = probe.output.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} unit 2: holding 0-3 \\(4 registers\\) read in \\d+ ms$`));
    expect(lines.find((line) => line.startsWith('0     uint32'))).toBe('0     uint32   4202301715         152304250            2063209225           319388410');
    expect(lines.some((line) => line.startsWith('64-bit values (ADDR to ADDR+3)'))).toBe(true);
    expect(probe.code).toBe(0);

    // Another unit id on the same line: nobody answers it, within the device's 300 ms.
    const silent = await runDavy('edge-agent', ['device', 'probe', 'scale-2', '--config', config, '--unit-id', '9']);
    expect([silent.code, silent.output]).toEqual([1, `davy-agent: 127.0.0.1:${port} unit 9: no reply reading holding 0-7`]);
    const unknown = await runDavy('edge-agent', ['device', 'probe', 'scale-9', '--config', config]);
    expect([unknown.code, unknown.output]).toEqual([2, `davy-agent: no device "scale-9" in ${config}; devices: scale-2`]);
  });

  it.concurrent('says what is wrong with what it was given, and with the reply', async () => {
    const cases: Array<[string[], number, string]> = [
      [[], 2, 'davy-agent: say what to probe: a device NAME from agent.yaml, or --tcp HOST:PORT, --rtu-over-tcp HOST:PORT or --serial PATH'],
      [['--tcp', `127.0.0.1:${port}`, '--serial', '/dev/ttyUSB0'], 2, 'davy-agent: --tcp and --serial: probe one device at a time'],
      [['--tcp', `127.0.0.1:${port}`, '--count', '126'], 2, 'davy-agent: --count 126: one request reads at most 125 registers'],
      [['--tcp', `127.0.0.1:${port}`, '--address', '65530', '--count', '8'], 2, 'davy-agent: --address 65530 --count 8 runs past the last address, 65535'],
      [['--tcp', 'meter-1'], 2, "error: option '--tcp <host:port>' argument 'meter-1' is invalid. expected HOST:PORT, e.g. 10.0.0.7:4001\n(add --help for usage)"],
      [['--tcp', `127.0.0.1:${port}`, '--table', 'input', '--address', '200', '--count', '4'], 1, `davy-agent: 127.0.0.1:${port} unit 1: exception 2 (illegal data address) reading input 200-203`],
    ];
    const runs = await Promise.all(cases.map(([args]) => runDavy('edge-agent', ['device', 'probe', ...args])));
    expect(runs).toEqual(cases.map(([, code, output]) => ({ code, output })));
  });
});
