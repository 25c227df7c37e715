/**
 * Simulated devices that publish over MQTT, started in-process (the CLI and tests use this):
 * devices that publish JSON (a `protocol: json` profile, e.g. EV chargers sending status and
 * energy), or a Sparkplug B edge node with devices behind it (a `protocol: sparkplug` profile).
 * Every round publishes each device's messages once; faults are injected on schedule.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError, createLogger, errorMessage, type Logger } from '@davy/runtime';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import { profileBehaviours, type Override } from '../behaviours/index.js';
import { resolveProfile } from '../profile-reference.js';
import { downMs, type Fault } from './faults.js';
import { JsonMessages, type JsonProfile } from './json-messages.js';
import { trueMetricNames } from './sparkplug-codec.js';
import { SimulatedEdgeNode, type SparkplugProfile } from './sparkplug-node.js';

export interface MqttSimulatorOptions {
  /** mqtt://host:port */
  broker: string;
  /** A bundled profile's name, a profile file, or a loaded profile (protocol json or sparkplug). */
  profile: string | DeviceProfile;
  /** How many devices; for Sparkplug 0 means the edge node carries the metrics itself. */
  devices: number;
  /** Devices are named <prefix>-1, <prefix>-2, … */
  prefix: string;
  /** JSON devices' topic: {device} and {message} are replaced. */
  topic: string;
  /** Sparkplug group and edge node ids. */
  group: string;
  node: string;
  intervalMs: number;
  /** Stop publishing after this many rounds; default: until closed. */
  rounds?: number;
  qos: 0 | 1 | 2;
  /**
   * Stamp round N with clockStartMs + N × intervalMs (births with the time of the last round),
   * instead of the wall clock, so a test can check source times to the millisecond.
   */
  clockStartMs?: number;
  username?: string;
  password?: string;
  faults?: readonly Fault[];
  overrides?: readonly Override[];
  logger?: Logger;
}

export interface MqttSimulator {
  readonly devices: string[];
  /** Messages the broker has taken (acked at QoS 1 and 2). */
  readonly published: number;
  /** Resolves when the last round's messages are taken (never without `rounds`). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

interface Publisher {
  /** Messages of one round. */
  round(elapsedS: number, nowMs: number): Array<{ topic: string; payload: Buffer }>;
  malformed(): Array<{ topic: string; payload: Buffer }>;
  /** After (re)connecting: Sparkplug births (and the answer to rebirth commands); nothing for JSON devices. */
  connected(client: MqttClient): void;
  /** A new MQTT session's will (Sparkplug: NDEATH with the next bdSeq); none for JSON devices. */
  nextWill?(): IClientOptions['will'];
  goodbye?(client: MqttClient): Promise<void>;
}

export async function startMqttSimulator(options: MqttSimulatorOptions): Promise<MqttSimulator> {
  const logger = options.logger ?? createLogger({ component: 'davy-sim' });
  const profile = typeof options.profile === 'string' ? resolveProfile(options.profile) : options.profile;
  const devices = Array.from({ length: options.devices }, (_, index) => `${options.prefix}-${index + 1}`);
  let rounds = 0;
  const clock = () => (options.clockStartMs === undefined ? Date.now() : options.clockStartMs + rounds * options.intervalMs);
  const publisher = publisherFor(profile, devices, options, clock, logger);
  const clientOptions: IClientOptions = { username: options.username, password: options.password, reconnectPeriod: 0, clean: true, clientId: `davy-sim-${process.pid}-${options.prefix}` };
  clientOptions.will = publisher.nextWill?.();
  const client = connect(options.broker, clientOptions);
  let published = 0;
  let closing = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
  };
  const send = (messages: Array<{ topic: string; payload: Buffer }>) =>
    Promise.all(
      messages.map(
        ({ topic, payload }) =>
          new Promise<void>((resolve) => {
            if (!client.connected) return resolve();
            client.publish(topic, payload, { qos: options.qos }, (error) => {
              if (error) logger.warn('mqtt.publish_failed', { topic, error: errorMessage(error) });
              else published += 1;
              resolve();
            });
          }),
      ),
    );

  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (error) => reject(new Error(`cannot connect to ${options.broker}: ${errorMessage(error)}`)));
  });
  client.on('connect', () => {
    logger.info('mqtt.connected', { broker: options.broker });
    publisher.connected(client);
  });
  client.on('error', (error) => logger.warn('mqtt.error', { error: errorMessage(error) }));
  client.on('close', () => {
    if (!closing) logger.warn('mqtt.disconnected', { broker: options.broker });
  });
  logger.info('mqtt.connected', { broker: options.broker, profile: profile.name, devices, intervalMs: options.intervalMs, rounds: options.rounds ?? 'until stopped' });
  publisher.connected(client);

  for (const fault of options.faults ?? []) {
    later(fault.atMs, () => {
      logger.info('mqtt.fault', { kind: fault.kind });
      if (fault.kind === 'malformed') return void send(publisher.malformed());
      // Gone without a DISCONNECT: the broker publishes the will.
      client.stream.destroy();
      later(downMs[fault.kind], () => {
        client.options.will = publisher.nextWill?.();
        client.reconnect();
      });
    });
  }

  const startedMs = performance.now();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const interval = setInterval(() => {
    if (options.rounds !== undefined && rounds >= options.rounds) return;
    rounds += 1;
    const sent = send(publisher.round((performance.now() - startedMs) / 1000, clock()));
    if (rounds === options.rounds) {
      clearInterval(interval);
      void sent.then(() => {
        logger.info('mqtt.rounds_done', { rounds, published });
        finish();
      });
    }
  }, options.intervalMs);

  return {
    devices,
    get published() {
      return published;
    },
    finished,
    async close() {
      closing = true;
      clearInterval(interval);
      for (const timer of timers) clearTimeout(timer);
      if (client.connected) await publisher.goodbye?.(client);
      await client.endAsync();
      logger.info('mqtt.stopped', { published, rounds });
    },
  };
}

function publisherFor(profile: DeviceProfile, devices: string[], options: MqttSimulatorOptions, clock: () => number, logger: Logger): Publisher {
  const document = profile.document;
  const behaviours = () => profileBehaviours(profile, options.overrides);
  if (document.protocol === 'json') return jsonPublisher(document, devices, behaviours, options.topic);
  if (document.protocol === 'sparkplug') return sparkplugPublisher(document, devices, behaviours, options, clock, logger);
  throw new ConfigError(profile.file, [{ path: ['protocol'], message: `davy-sim mqtt serves json and sparkplug profiles, and this one is ${document.protocol}`, fix: 'pick a json or sparkplug profile (e.g. ev-charger-mqtt)' }]);
}

function jsonPublisher(profile: JsonProfile, devices: string[], behaviours: () => ReturnType<typeof profileBehaviours>, topic: string): Publisher {
  const simulated = devices.map((device) => ({ device, messages: new JsonMessages(profile, behaviours()) }));
  const topicOf = (device: string, message: string) => topic.replaceAll('{device}', device).replaceAll('{message}', message);
  return {
    round: (elapsedS, nowMs) => simulated.flatMap(({ device, messages }) => messages.build(elapsedS, nowMs).map(({ message, payload }) => ({ topic: topicOf(device, message), payload }))),
    malformed: () => simulated.map(({ device, messages }) => ({ topic: topicOf(device, messages.names[0]!), payload: Buffer.from('{"connector": {"power_kW": 7.') })),
    connected: () => undefined,
  };
}

function sparkplugPublisher(
  profile: SparkplugProfile,
  devices: string[],
  behaviours: () => ReturnType<typeof profileBehaviours>,
  options: MqttSimulatorOptions,
  clock: () => number,
  logger: Logger,
): Publisher {
  const node = new SimulatedEdgeNode(profile, options.group, options.node, devices.map((id) => ({ id, behaviours: behaviours() })), behaviours());
  const publishAll = (client: MqttClient, messages: Array<{ topic: string; payload: Buffer }>) => {
    for (const { topic, payload } of messages) client.publish(topic, payload, { qos: 0 });
  };
  return {
    round: (elapsedS, nowMs) => node.data(elapsedS, nowMs),
    // No protobuf at all: wire type 7 does not exist.
    malformed: () => [{ topic: node.topic(devices.length === 0 ? 'NDATA' : 'DDATA', devices[0]), payload: Buffer.from([0x0f, 0x01, 0x02]) }],
    connected(client) {
      client.subscribe(node.topic('NCMD'), { qos: 0 });
      publishAll(client, node.births(clock()));
      client.removeAllListeners('message');
      client.on('message', (_topic, payload) => {
        let rebirth: boolean;
        try {
          rebirth = trueMetricNames(payload).includes('Node Control/Rebirth');
        } catch (error) {
          return logger.warn('mqtt.bad_command', { error: errorMessage(error) });
        }
        if (!rebirth) return;
        const timestampMs = clock();
        logger.info('sparkplug.rebirth', { node: `${node.group}/${node.node}`, timestampMs });
        publishAll(client, node.births(timestampMs));
      });
    },
    nextWill() {
      node.bdSeq = (node.bdSeq + 1) % 256;
      return { topic: node.topic('NDEATH'), payload: node.death(Date.now()), qos: 1, retain: false };
    },
    async goodbye(client) {
      await client.publishAsync(node.topic('NDEATH'), node.death(Date.now()), { qos: 1 });
    },
  };
}
