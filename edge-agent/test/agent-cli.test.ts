/**
 * What a field engineer sees: `device list` and `status` (text and JSON) of a running agent,
 * and of one that has stopped.
 */
import { describe, expect, it } from 'vitest';
import { runDavy } from '@davy/runtime/testing';
import { TestStack, deviceName, gatewayId } from './support/stack.js';

describe('davy-agent device list and status', () => {
  it('shows the device, the uplink and the outbox, running and stopped', async (context) => {
    const stack = await TestStack.start({ profile: 'three-phase-meter', pollInterval: '200ms' }, context);
    await stack.agent!.waitForEvent('device.online');
    await stack.waitForDrain();

    const list = await runDavy('edge-agent', ['device', 'list', '-c', stack.configFile]);
    expect(list.code).toBe(0);
    expect(list.output.split('\n').slice(2)).toEqual([`${deviceName}   modbus-tcp  three-phase-meter  127.0.0.1:${stack.simPort} unit 1  15      200 ms    2 requests per poll cycle`]);

    // The agent saves its state every 2 s: wait for a save that has seen an ack.
    let status: { agent: { alive: boolean; gateway: string }; uplink: { connected: boolean; watermark: number }; devices: Array<{ device: string; state: string; reads: number }>; outbox: { lastSeq: number; droppedTotal: number } } | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const json = await runDavy('edge-agent', ['status', '--json', '-c', stack.configFile]);
      expect(json.code).toBe(0);
      status = JSON.parse(json.output) as typeof status;
      if (status!.uplink.connected && status!.devices[0]?.reads) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status!.agent).toMatchObject({ alive: true, gateway: gatewayId });
    expect(status!.uplink.connected).toBe(true);
    expect(status!.uplink.watermark).toBeGreaterThan(0);
    expect(status!.devices).toMatchObject([{ device: deviceName, state: 'online' }]);
    expect(status!.outbox.droppedTotal).toBe(0);

    const text = await runDavy('edge-agent', ['status', '-c', stack.configFile]);
    expect(text.output).toMatch(/^agent {4}running \(pid \d+\) since [\d.]+ s ago$/m);
    expect(text.output).toMatch(/^uplink {3}connected, last ack [\d.]+ (ms|s) ago, hub watermark \d+, \d+ batches in flight, 0 reconnects$/m);
    expect(text.output).toMatch(/^outbox {3}\d+ records waiting, oldest .* old, [\d.]+ (KiB|MiB) of 2\.00 GiB, last seq \d+, 0 dropped \(full\)$/m);
    expect(text.output).toMatch(new RegExp(`^${deviceName} +online +[\\d.]+ (ms|s) ago +\\d+ +- *$`, 'm'));

    // A second agent on the same outbox is refused, and the first keeps running.
    const second = await runDavy('edge-agent', ['start', '-c', stack.configFile]);
    expect(second.code).toBe(1);
    expect(second.output).toBe(
      `davy-agent: another davy-agent (pid ${stack.agent!.pid}) is using the outbox ${stack.outboxFile}: stop it first, or give this agent its own outbox.path ` +
        `(if no agent runs, delete ${stack.outboxFile}.lock)`,
    );
    expect(stack.agent!.running).toBe(true);

    await stack.agent!.stop();
    const stopped = await runDavy('edge-agent', ['status', '-c', stack.configFile]);
    expect(stopped.output).toMatch(/^agent {4}not running \(last seen [\d.]+ (ms|s) ago\)$/m);
  }, 60_000);
});
