/**
 * What the MQTT and Sparkplug drivers read through: a subscription on an external broker
 * (mqtt.js) or on the broker embedded in the agent. Either way the driver sees messages and
 * whether it is connected; the transport reconnects by itself.
 */
import type { BrokerUser } from './embedded-broker/broker-users.js';

export interface TransportEvents {
  message(topic: string, payload: Buffer): void;
  /** Subscribed: messages flow (again). */
  connected(): void;
  /** Messages stopped flowing (the connection is lost, or the broker refused every subscription), and why. */
  disconnected(reason: string): void;
  /** Something to count in the device's health (a refused login, a refused subscription). */
  problem(kind: string, message: string): void;
}

export interface MqttTransport {
  start(events: TransportEvents): void;
  /** QoS 0, not retained (Sparkplug commands). Dropped while disconnected. */
  publish(topic: string, payload: Buffer): void;
  stop(): Promise<void>;
}

/** What the embedded broker lets an entry's users do: publish on its topics, subscribe to its commands. */
export interface TopicRules {
  mayPublish(topic: string, user: BrokerUser): boolean;
  maySubscribe(filter: string, user: BrokerUser): boolean;
}
