/** `davy-sim mqtt`: devices that publish a profile's points over MQTT until stopped (or for N rounds). */
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger, parseDurationMs, UsageError, untilSignal } from '@davy/runtime';
import { describeKinds, overrideSyntax, parseOverride, type Override } from '../behaviours/index.js';
import { integerIn, repeatable } from '../cli/options.js';
import { faultSyntax, parseFault, type Fault } from './faults.js';
import { startMqttSimulator } from './simulator.js';

interface MqttCommandOptions {
  broker: string;
  profile: string;
  devices: number;
  prefix: string;
  topic: string;
  group: string;
  node: string;
  interval: number;
  rounds?: number;
  qos: number;
  clockStart?: number;
  username?: string;
  passwordEnv?: string;
  fault?: Fault[];
  set?: Override[];
}

/** ISO 8601 with an offset, or Unix milliseconds. */
function time(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidArgumentError('expected an ISO 8601 time with its offset (2026-11-26T08:00:00Z) or Unix milliseconds');
  return ms;
}

function duration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration like 500ms or 2s');
  return ms;
}

export function addMqttCommand(program: Command): void {
  program
    .command('mqtt')
    .description('Publish a json profile\'s points as devices sending JSON (e.g. EV chargers), or a sparkplug profile\'s as a Sparkplug B edge node, to an MQTT broker')
    .requiredOption('--broker <url>', 'the broker, e.g. mqtt://127.0.0.1:1883')
    .requiredOption('--profile <name|file>', 'a bundled json or sparkplug profile (e.g. ev-charger-mqtt) or the path to one')
    .option('--devices <n>', 'how many devices (Sparkplug: 0 puts the metrics on the edge node itself)', integerIn(0, 10_000), 1)
    .option('--prefix <name>', 'devices are named <prefix>-1, <prefix>-2, …', 'charger')
    .option('--topic <pattern>', 'JSON devices: the topic, {device} and {message} replaced', 'chargers/{device}/{message}')
    .option('--group <id>', 'Sparkplug group id', 'site')
    .option('--node <id>', 'Sparkplug edge node id', 'node-1')
    .option('--interval <duration>', 'time between rounds (one message per device and message kind)', duration, 1000)
    .option('--rounds <n>', 'stop publishing after this many rounds (then exit)', integerIn(1, 10_000_000))
    .option('--qos <0|1|2>', 'QoS of the messages', integerIn(0, 2), 1)
    .option('--clock-start <time>', 'stamp round N with TIME + N × interval (births with the last round\'s time) instead of the clock: source times a test can check exactly', time)
    .option('--username <name>', 'log in to the broker as this user')
    .option('--password-env <var>', 'the environment variable holding the password')
    .option(`--fault <${faultSyntax}>`, 'inject a fault once, e.g. malformed@2s, drop@3s, node-death@5s (repeatable)', repeatable(parseFault))
    .option(`--set <${overrideSyntax}>`, 'override a point\'s simulate parameter, repeatable', repeatable(parseOverride))
    .addHelpText('after', `\nSimulate kinds (a point's simulate: block, or --set POINT.kind=…):\n${describeKinds()}`)
    .action(async (options: MqttCommandOptions) => {
      const logger = createLogger({ component: 'davy-sim' });
      let password: string | undefined;
      if (options.passwordEnv !== undefined) {
        password = process.env[options.passwordEnv];
        if (password === undefined) throw new UsageError(`--password-env ${options.passwordEnv}: that environment variable is not set`);
      }
      const stopped = untilSignal();
      const simulator = await startMqttSimulator({
        broker: options.broker,
        profile: options.profile,
        devices: options.devices,
        prefix: options.prefix,
        topic: options.topic,
        group: options.group,
        node: options.node,
        intervalMs: options.interval,
        rounds: options.rounds,
        qos: options.qos as 0 | 1 | 2,
        clockStartMs: options.clockStart,
        username: options.username,
        password,
        faults: options.fault,
        overrides: options.set,
        logger,
      });
      const signal = await Promise.race([stopped, simulator.finished.then(() => undefined)]);
      if (signal) logger.info('mqtt.stopping', { signal });
      await simulator.close();
    });
}
