/**
 * The Modbus RTU driver on a shared line, against `davy-sim modbus --rtu-over-tcp` run as a
 * process: slaves polled in turn with the inter-frame gap, a dead slave backed off while the live
 * ones keep their rate, damaged and refused replies, a dropped connection, a serial server that
 * is not there yet. The drivers run in this process with a recording sink; the simulator logs
 * every exchange (debug), which is how the tests see the line from the slaves' side.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger, sleep, type Logger } from '@davy/runtime';
import { ManagedProcess, TcpProxy, freePort, waitFor, type LogEvent } from '@davy/runtime/testing';
import { LinePool, ModbusRtuDriver, modbusRtuOverTcpDeviceSchema, resolveModbusRtuOverTcpDevice } from '../src/drivers/modbus-rtu/index.js';
import { loadProfile } from '../src/profiles/index.js';
import { RecordingSink } from './support/recording-sink.js';

/** On a loaded machine a davy-sim process may take longer than the default 15 s to start. */
const startupMs = 30_000;

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');
const log = createLogger({ component: 'test', sink: { write: () => true } });

interface Line {
  port: number;
  sim: ManagedProcess;
  /** The exchanges the simulator saw, in order. */
  exchanges(): Array<LogEvent & { unitId: number; receivedMs: number; repliedMs?: number; reply: string }>;
}

async function simulatedLine(context: TestContext, args: string[], port = 0): Promise<Line> {
  const sim = ManagedProcess.davy('simulators', ['modbus', '--rtu-over-tcp', '--port', String(port), ...args], { env: { DAVY_LOG_LEVEL: 'debug' } });
  context.onTestFinished(() => sim.stop());
  const listening = await sim.waitForEvent('modbus.listening', startupMs);
  return {
    port: listening.port as number,
    sim,
    exchanges: () => sim.events().filter((event) => event.event === 'modbus.exchange') as ReturnType<Line['exchanges']>,
  };
}

/** Drivers for slaves on one line, sharing a pool of their own (tests run side by side). */
function lineOfDrivers(context: TestContext, port: number, settings: Record<string, unknown>, logger: Logger = log) {
  const pool = new LinePool();
  return (name: string, unitId: number) => {
    const document = modbusRtuOverTcpDeviceSchema.parse({ name, protocol: 'modbus-rtu-over-tcp', profile: readCounter, host: '127.0.0.1', port, unitId, ...settings });
    const driver = new ModbusRtuDriver(resolveModbusRtuOverTcpDevice(document, loadProfile(readCounter)), logger, pool);
    context.onTestFinished(() => driver.stop());
    return driver;
  };
}

const values = (sink: RecordingSink, device: string) => sink.of(device).map((reading) => (reading.quality === 'good' ? reading.value : reading.error));
const counting = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('Modbus RTU driver on a shared line', { timeout: 60_000 }, () => {
  it.concurrent('polls the slaves in turn over one connection, with the inter-frame gap between frames', async (context) => {
    const line = await simulatedLine(context, ['--unit', `1=${readCounter}`, '--unit', `2=${readCounter}`, '--unit', `3=${readCounter}`]);
    const driver = lineOfDrivers(context, line.port, { pollInterval: '1ms', interFrameGap: '10ms' });
    const sink = new RecordingSink();
    const drivers = ['a', 'b', 'c'].map((name, index) => driver(name, index + 1));
    for (const each of drivers) each.start(sink);
    await waitFor(() => line.exchanges().length >= 60, { what: '60 exchanges', timeoutMs: 10_000 });
    await Promise.all(drivers.map((each) => each.stop()));

    const exchanges = line.exchanges();
    // Each poll is due every 1 ms, so every slave always has a request waiting: the line takes them in strict rotation.
    expect(new Set(exchanges.slice(0, 3).map((exchange) => exchange.unitId))).toEqual(new Set([1, 2, 3]));
    expect(exchanges.slice(3).every((exchange, i) => exchange.unitId === exchanges[i]!.unitId)).toBe(true);
    // The property is about time: the slave side sees at least 10 ms of silence between its reply and the next request.
    const silences = exchanges.slice(1).map((exchange, i) => exchange.receivedMs - exchanges[i]!.repliedMs!);
    expect(Math.min(...silences)).toBeGreaterThanOrEqual(10);
    expect(line.sim.events().filter((event) => event.event === 'modbus.connected')).toHaveLength(1);
    for (const name of ['a', 'b', 'c']) expect(values(sink, name)).toEqual(counting(sink.of(name).length));
  });

  it.concurrent('backs a dead slave off, and the live ones on its line lose no more than its timeouts take', async (context) => {
    // Two lines polled side by side, so that whatever else the machine does weighs on both: on
    // the second, unit 3 is configured in the agent but no slave answers it.
    const units = ['--unit', `1=${readCounter}`, '--unit', `2=${readCounter}`];
    const [clean, withDead] = await Promise.all([simulatedLine(context, units), simulatedLine(context, units)]);
    const settings = { pollInterval: '20ms', timeout: '100ms' };
    const onClean = lineOfDrivers(context, clean.port, settings);
    const onDead = lineOfDrivers(context, withDead.port, settings);
    const sink = new RecordingSink();
    const drivers = [onClean('clean-1', 1), onClean('clean-2', 2), onDead('live-1', 1), onDead('live-2', 2), onDead('dead', 3)];
    for (const each of drivers) each.start(sink);
    await sleep(3_000);
    await Promise.all(drivers.map((each) => each.stop()));

    expect(sink.events.filter((event) => event.body.device === 'dead').map((event) => [event.type, event.body.reason])).toEqual([
      ['device.offline', '3 polls in a row failed: no reply reading holding 0-1'],
    ]);
    for (const reading of sink.of('dead')) {
      expect(reading.quality).toBe('bad');
      expect(reading.error).toMatch(/^(no reply reading holding 0-1|not polled: unit 3 is offline \(no reply reading holding 0-1\); next try in [\d.]+ (ms|s))$/);
    }
    const deadTries = withDead.exchanges().filter((exchange) => exchange.unitId === 3).length;
    // Three tries to go offline, then one after 1, 2, 4 … s (jittered): a handful in 3 s. Tried
    // at every 20 ms poll instead, it is tried about 25 times (each try holding the line 100 ms).
    expect(deadTries).toBeGreaterThanOrEqual(4);
    expect(deadTries).toBeLessThanOrEqual(12);
    // The property is about time: the live slaves lose at most the share of the 3 s the dead
    // one's timeouts held their line (with 10 % for the two lines' own jitter).
    const polls = (names: string[]) => names.reduce((total, name) => total + sink.of(name).length, 0);
    const timeoutShare = (deadTries * 100) / 3_000;
    expect(polls(['live-1', 'live-2'])).toBeGreaterThanOrEqual(polls(['clean-1', 'clean-2']) * (1 - timeoutShare - 0.1));
    for (const name of ['clean-1', 'clean-2', 'live-1', 'live-2']) {
      expect(values(sink, name)).toEqual(counting(sink.of(name).length));
      expect(sink.events.filter((event) => event.body.device === name).map((event) => event.type)).toEqual(['device.online']);
    }
  });

  it.concurrent('a slave that never answers keeps its backoff when its line is rebuilt, and the line is rebuilt once', async (context) => {
    // Unit 1 is configured in the agent, but nobody answers it: the line's only slave is dead.
    const line = await simulatedLine(context, ['--unit', `9=${readCounter}`]);
    const logged: string[] = [];
    const recording = createLogger({ component: 'test', level: 'debug', sink: { write: (text: string) => logged.push(text) } });
    const sink = new RecordingSink();
    const dead = lineOfDrivers(context, line.port, { pollInterval: '20ms', timeout: '50ms' }, recording)('dead', 1);
    dead.start(sink);
    await sleep(3_000);
    await dead.stop();

    const tried = sink.of('dead').filter((reading) => !reading.error!.startsWith('not polled:'));
    const backoffs = logged.filter((text) => (JSON.parse(text) as { event: string }).event === 'device.backoff');
    // Offline after its third failed try; from then on every failed try draws the next, longer
    // delay — none is a free full-rate try because the line was rebuilt in between.
    expect(tried.length).toBeGreaterThanOrEqual(4);
    expect(backoffs).toHaveLength(tried.length - 2);
    // Rebuilt once, as its last slave went offline: not again at each later try.
    expect(line.sim.events().filter((event) => event.event === 'modbus.connected')).toHaveLength(2);
  });

  it.concurrent('a reply with a bad CRC or an exception is a bad reading of that poll only, and the slaves stay online', async (context) => {
    const line = await simulatedLine(context, ['--unit', `1=${readCounter}`, '--unit', `2=${readCounter}`, '--fault', '1=crc:3', '--fault', '2=busy:2']);
    const driver = lineOfDrivers(context, line.port, { pollInterval: '50ms' });
    const sink = new RecordingSink();
    const noisy = driver('noisy', 1);
    const busy = driver('busy', 2);
    noisy.start(sink);
    busy.start(sink);
    await waitFor(() => sink.of('noisy').length >= 9 && sink.of('busy').length >= 8, { what: 'nine and eight polls' });
    const crc = 'reply with a bad CRC reading holding 0-1 (line noise, a wrong baud rate or parity, or two devices with one unit id)';
    // The slave counted the read whose reply was damaged (3, 6, 9): it is lost, not repeated.
    expect(values(sink, 'noisy').slice(0, 9)).toEqual([1, 2, crc, 4, 5, crc, 7, 8, crc]);
    // A busy slave did not read: its count goes on where it was.
    const exception = 'exception 6 (server device busy) reading holding 0-1';
    expect(values(sink, 'busy').slice(0, 8)).toEqual([1, exception, 2, exception, 3, exception, 4, exception]);
    expect(sink.events.map((event) => [event.body.device, event.type]).sort()).toEqual([['busy', 'device.online'], ['noisy', 'device.online']]);
    expect(noisy.health().errors).toEqual({ crc: sink.of('noisy').filter((reading) => reading.error === crc).length });
    expect(busy.health().errors).toEqual({ exception: sink.of('busy').filter((reading) => reading.error === exception).length });
  });

  it.concurrent('a reply that comes after the timeout is never taken as the answer to a later request', async (context) => {
    // Every second reply comes 750 ms late, and the reply to the next request waits behind it, as
    // on a slow 4G link to a serial server. The property is about time: the late reply arrives
    // 150 ms after the next request left and 150 ms before that request's 300 ms timeout.
    const line = await simulatedLine(context, ['--unit', `1=${readCounter}`, '--fault', '1=late:750:2']);
    const sink = new RecordingSink();
    const slow = lineOfDrivers(context, line.port, { pollInterval: '600ms', timeout: '300ms' })('slow', 1);
    slow.start(sink);
    await waitFor(() => sink.of('slow').length >= 6, { what: 'six polls', timeoutMs: 10_000 });
    // The n-th read of the counter returns n: each good reading is the answer to its own request.
    const noReply = 'no reply reading holding 0-1';
    expect(values(sink, 'slow').slice(0, 6)).toEqual([1, noReply, 3, noReply, 5, noReply]);
    expect(sink.events.map((event) => event.type)).toEqual(['device.online']);
  });

  it.concurrent('a dropped connection costs the read in flight; the line is rebuilt and the others lose nothing', async (context) => {
    const line = await simulatedLine(context, ['--unit', `1=${readCounter}`, '--unit', `2=${readCounter}`, '--fault', '1=drop:4']);
    const driver = lineOfDrivers(context, line.port, { pollInterval: '50ms' });
    const sink = new RecordingSink();
    driver('dropped', 1).start(sink);
    driver('other', 2).start(sink);
    await waitFor(() => sink.of('dropped').length >= 11, { what: 'eleven polls' });
    const closed = `the connection to 127.0.0.1:${line.port} closed`;
    expect(values(sink, 'dropped').slice(0, 11)).toEqual([1, 2, 3, closed, 4, 5, 6, closed, 7, 8, 9]);
    expect(values(sink, 'other')).toEqual(counting(sink.of('other').length));
    expect(line.sim.events().filter((event) => event.event === 'modbus.connected').length).toBeGreaterThanOrEqual(3);
    expect(sink.events.map((event) => [event.body.device, event.type]).sort()).toEqual([['dropped', 'device.online'], ['other', 'device.online']]);
  });

  it.concurrent('with no serial server yet, every slave of the line goes offline, and online when it starts', async (context) => {
    // The slaves are up; the serial server in front of them (a TCP forwarder) is not, yet.
    const line = await simulatedLine(context, ['--unit', `1=${readCounter}`, '--unit', `2=${readCounter}`]);
    const port = await freePort();
    const driver = lineOfDrivers(context, port, { pollInterval: '100ms' });
    const sink = new RecordingSink();
    driver('first', 1).start(sink);
    driver('second', 2).start(sink);
    await waitFor(() => sink.events.length >= 2, { what: 'two offline events' });
    const refused = new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`);
    for (const event of sink.events) {
      expect(event.type).toBe('device.offline');
      expect(String(event.body.reason)).toMatch(refused);
    }
    await sleep(1_000);
    const server = new TcpProxy(line.port);
    context.onTestFinished(() => server.close());
    await server.start(port);
    await waitFor(() => sink.events.length >= 4, { what: 'two online events', timeoutMs: 20_000 });
    expect(sink.events.map((event) => [event.body.device, event.type]).sort()).toEqual([
      ['first', 'device.offline'],
      ['first', 'device.online'],
      ['second', 'device.offline'],
      ['second', 'device.online'],
    ]);
    await waitFor(() => sink.of('second').some((reading) => reading.quality === 'good'), { what: 'a good reading' });
    // While it was away, every poll was a bad reading that says why, never a silent gap.
    expect(sink.of('first').find((reading) => reading.quality === 'bad')!.error).toMatch(new RegExp(`^not connected: cannot connect to 127\\.0\\.0\\.1:${port}`));
    expect(sink.of('second').find((reading) => reading.quality === 'good')!.value).toBe(1);
  });
});
