/**
 * The agent against a Modbus server this project did not write: pymodbus (Debian's
 * python3-pymodbus) serving a belt scale whose registers Python packs with struct.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess, freePort, runDavy, tempDir, waitFor, acceptsConnections } from '@davy/runtime/testing';

const script = path.join(import.meta.dirname, 'fixtures', 'pymodbus_belt_scale.py');
let server: ManagedProcess;
let port: number;
const { dir, remove } = tempDir();

beforeAll(async () => {
  port = await freePort();
  // Debian's own interpreter: pymodbus is installed for it, not for other pythons on PATH.
  server = new ManagedProcess('pymodbus', '/usr/bin/python3', [script, String(port)]);
  await waitFor(() => acceptsConnections(port), { what: `pymodbus on port ${port}`, timeoutMs: 20_000 });
  writeFileSync(
    path.join(dir, 'agent.yaml'),
    [
      'gateway: { id: gw-peer, enterprise: 91350100M000100Y43, site: Peer test }',
      'hub: { address: 127.0.0.1:9 }',
      'devices:',
      `  - { name: scale-1, protocol: modbus-tcp, profile: belt-scale, host: 127.0.0.1, port: ${port} }`,
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await server?.stop();
  remove();
});

describe('davy-agent against pymodbus', () => {
  it('reads and decodes every point of the belt scale', async () => {
    const { code, output } = await runDavy('edge-agent', ['device', 'test', 'scale-1', '--config', path.join(dir, 'agent.yaml')]);
    const table = output.split('\n').slice(2).join('\n');
    expect(table).toBe(
      [
        'POINT              RAW            VALUE      UNIT  QUALITY',
        '-----------------  -------------  ---------  ----  -------',
        'belt_running       1              1                good',
        'coal_output_total  0xfa7a 0x0913  1523042.5  t     good',
        'flow_rate          0xa000 0x442c  690.5      t/h   good',
        'belt_speed         0x013b         3.15       m/s   good',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });
});
