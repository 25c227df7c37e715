/**
 * A device entry's subscription on the broker embedded in the agent: attaches the entry (its
 * users and topic rules) to the shared broker of its listen address, and subscribes in-process.
 * A broker that cannot listen (the port is taken) is retried with backoff.
 */
import { Backoff, errorMessage, type Logger } from '@davy/runtime';
import { SecretError } from '../json-mapping/secret-source.js';
import { loadBrokerUsers, type BrokerUser } from './embedded-broker/broker-users.js';
import type { EmbeddedBrokerDocument } from './embedded-broker/embedded-broker-config.js';
import { attachToEmbeddedBroker, type BrokerAttachment } from './embedded-broker/shared-brokers.js';
import { embeddedBrokerRetry } from './timing.js';
import type { MqttTransport, TopicRules, TransportEvents } from './transport.js';

export class EmbeddedTransport implements MqttTransport {
  private attachment?: BrokerAttachment;
  private unsubscribes: Array<() => Promise<void>> = [];
  private readonly backoff = new Backoff(embeddedBrokerRetry);
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private starting?: Promise<void>;

  constructor(
    private readonly entry: string,
    private readonly settings: EmbeddedBrokerDocument,
    private readonly filters: readonly string[],
    private readonly rules: TopicRules,
    private readonly log: Logger,
  ) {}

  start(events: TransportEvents): void {
    this.starting = this.attach(events);
  }

  publish(topic: string, payload: Buffer): void {
    this.attachment?.broker.publish(topic, payload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.starting;
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe()));
    await this.attachment?.detach();
  }

  private async attach(events: TransportEvents): Promise<void> {
    let users: BrokerUser[];
    try {
      users = loadBrokerUsers(this.settings.users);
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      events.problem('config', error.message);
      return events.disconnected(error.message);
    }
    try {
      this.attachment = await attachToEmbeddedBroker(
        this.settings,
        {
          name: this.entry,
          users,
          mayPublish: (topic, user) => this.rules.mayPublish(topic, user),
          maySubscribe: (filter, user) => this.rules.maySubscribe(filter, user),
          refused: (kind, message) => events.problem(kind, message),
        },
        this.log,
      );
    } catch (error) {
      const reason = `the embedded broker cannot start on ${this.settings.listen}: ${errorMessage(error)}`;
      events.disconnected(reason);
      if (!this.stopped) this.retryTimer = setTimeout(() => (this.starting = this.attach(events)), this.backoff.nextDelayMs());
      return;
    }
    if (this.stopped) return this.attachment.detach();
    const broker = this.attachment.broker;
    this.unsubscribes = await Promise.all(this.filters.map((filter) => broker.subscribe(filter, (topic, payload) => events.message(topic, payload))));
    this.backoff.reset();
    events.connected();
  }
}
