/**
 * A subscription on an external broker through mqtt.js. Reconnects with exponential backoff
 * and jitter (mqtt.js's own fixed-period reconnect is off), subscribes again whenever the
 * broker has no session for the agent, and reports connection changes once each.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { Backoff, errorMessage, type Logger } from '@davy/runtime';
import { readSecret } from '../json-mapping/secret-source.js';
import type { MqttConnection } from './connection-config.js';
import type { MqttTransport, TransportEvents } from './transport.js';

export class BrokerClient implements MqttTransport {
  readonly address: string;
  private client?: MqttClient;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;
  private lastError?: string;

  constructor(
    private readonly connection: MqttConnection,
    private readonly filters: readonly string[],
    private readonly log: Logger,
  ) {
    this.address = connection.broker;
  }

  start(events: TransportEvents): void {
    void this.connect(events);
  }

  publish(topic: string, payload: Buffer): void {
    if (this.client?.connected) this.client.publish(topic, payload, { qos: 0, retain: false });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.endAsync(true);
  }

  private async connect(events: TransportEvents): Promise<void> {
    let options: IClientOptions;
    try {
      options = this.options();
    } catch (error) {
      // A missing password or certificate will not appear by retrying: say so once.
      events.problem('config', errorMessage(error));
      events.disconnected(errorMessage(error));
      return;
    }
    const { connect } = await import('mqtt');
    if (this.stopped) return;
    const client = connect(this.connection.broker, options);
    this.client = client;
    client.on('connect', (connack) => {
      this.backoff.reset();
      this.lastError = undefined;
      this.log.info('mqtt.connected', { broker: this.address, sessionPresent: connack.sessionPresent });
      if (connack.sessionPresent) return events.connected();
      client.subscribe(
        [...this.filters],
        { qos: this.connection.qos },
        (error, granted) => {
          if (error) return events.problem('subscribe', `cannot subscribe to ${this.filters.join(', ')}: ${errorMessage(error)}`);
          const refused = (granted ?? []).filter((grant) => grant.qos === 128).map((grant) => grant.topic);
          if (refused.length > 0) events.problem('subscribe', `the broker refused the subscription to ${refused.join(', ')}: check the user's permissions on the broker`);
          events.connected();
        },
      );
    });
    client.on('message', (topic, payload) => events.message(topic, payload));
    client.on('error', (error) => {
      this.lastError = errorMessage(error);
    });
    client.on('close', () => {
      if (this.stopped) return;
      events.disconnected(this.lastError ?? 'connection closed');
      const delayMs = this.backoff.nextDelayMs();
      this.log.debug('mqtt.reconnect_wait', { delayMs: Math.round(delayMs) });
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => {
        if (!this.stopped) client.reconnect();
      }, delayMs);
    });
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
