/**
 * A subscription on an external broker through mqtt.js. Reconnects with exponential backoff
 * and jitter (mqtt.js's own fixed-period reconnect is off) and subscribes at every connect —
 * also when the broker kept the agent's session, whose subscriptions may be those of an older
 * agent.yaml. A broker that refuses every filter leaves the entry offline and is asked again
 * with backoff; one that refuses some is counted. Connection changes are reported once each.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { Backoff, errorMessage, type Logger } from '@davy/runtime';
import { readSecret } from '../json-mapping/secret-source.js';
import type { MqttConnection } from './connection-config.js';
import { brokerRetry } from './timing.js';
import type { MqttTransport, TransportEvents } from './transport.js';

/** A SUBACK return code with this bit set is a refusal (0x80 in MQTT 3.1.1, 0x80–0xA2 in MQTT 5). */
const refusedBit = 0x80;

export class BrokerClient implements MqttTransport {
  private client?: MqttClient;
  private readonly backoff = new Backoff(brokerRetry);
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private lastError?: string;

  constructor(
    private readonly connection: MqttConnection,
    private readonly filters: readonly string[],
    private readonly log: Logger,
  ) {}

  start(events: TransportEvents): void {
    if (this.connection.tls?.rejectUnauthorized === false) {
      this.log.warn('mqtt.tls_unverified', { broker: this.connection.broker, risk: 'tls.rejectUnauthorized is false: any server can pose as the broker (tests only)' });
    }
    void this.connect(events);
  }

  publish(topic: string, payload: Buffer): void {
    if (this.client?.connected) this.client.publish(topic, payload, { qos: 0, retain: false });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.endAsync(true);
  }

  private async connect(events: TransportEvents): Promise<void> {
    let options: IClientOptions;
    try {
      options = this.options();
    } catch (error) {
      // agent.yaml's load checked these; a file removed since will not appear by retrying: say so once.
      events.problem('config', errorMessage(error));
      events.disconnected(errorMessage(error));
      return;
    }
    const { connect } = await import('mqtt');
    if (this.stopped) return;
    const client = connect(this.connection.broker, options);
    this.client = client;
    client.on('connect', (connack) => {
      this.lastError = undefined;
      this.log.info('mqtt.connected', { broker: this.connection.broker, sessionPresent: connack.sessionPresent });
      clearTimeout(this.retryTimer);
      this.subscribe(client, events);
    });
    client.on('message', (topic, payload) => events.message(topic, payload));
    client.on('error', (error) => {
      this.lastError = errorMessage(error);
    });
    client.on('close', () => {
      if (this.stopped) return;
      events.disconnected(this.lastError ?? 'connection closed');
      this.retry(() => client.reconnect(), 'mqtt.reconnect_wait');
    });
  }

  /** Messages flow once the broker grants at least one filter; until then the entry is offline. */
  private subscribe(client: MqttClient, events: TransportEvents): void {
    client.subscribe([...this.filters], { qos: this.connection.qos }, (error, _grants, suback) => {
      if (this.stopped || !client.connected) return;
      const codes = (suback?.granted ?? []).map((grant) => (typeof grant === 'number' ? grant : refusedBit));
      if (codes.length !== this.filters.length) {
        const reason = `cannot subscribe to ${this.filters.join(', ')}: ${error ? errorMessage(error) : 'no answer from the broker'}`;
        events.problem('subscribe', reason);
        events.disconnected(reason);
        return this.retry(() => this.subscribe(client, events), 'mqtt.subscribe_wait');
      }
      const refused = this.filters.filter((_filter, index) => (codes[index]! & refusedBit) !== 0);
      if (refused.length === this.filters.length) {
        const reason = `the broker refused the subscription to ${refused.join(', ')}: check the user's permissions on the broker`;
        events.problem('subscribe', reason);
        events.disconnected(reason);
        return this.retry(() => this.subscribe(client, events), 'mqtt.subscribe_wait');
      }
      if (refused.length > 0) events.problem('subscribe', `the broker refused the subscription to ${refused.join(', ')} (and granted the others): check the user's permissions on the broker`);
      this.backoff.reset();
      events.connected();
    });
  }

  private retry(attempt: () => void, event: string): void {
    const delayMs = this.backoff.nextDelayMs();
    this.log.debug(event, { delayMs: Math.round(delayMs) });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) attempt();
    }, delayMs);
  }

  /** Throws SecretError, or a file error, naming what is missing. */
  private options(): IClientOptions {
    const { connection } = this;
    const file = (path: string | undefined) => {
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        throw new Error(`cannot read the TLS file ${path} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}): check tls in agent.yaml`);
      }
    };
    return {
      clientId: connection.clientId,
      username: connection.username,
      password: connection.password ? readSecret(connection.password) : undefined,
      clean: connection.cleanSession,
      keepalive: Math.round(connection.keepaliveMs / 1000),
      connectTimeout: connection.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      ca: file(connection.tls?.ca),
      cert: file(connection.tls?.cert),
      key: file(connection.tls?.key),
      rejectUnauthorized: connection.tls?.rejectUnauthorized ?? true,
    };
  }
}
