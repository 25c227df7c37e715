/**
 * What the MQTT and Sparkplug drivers read through: a subscription on an external broker
 * (mqtt.js) or on the broker embedded in the agent. Either way the driver sees messages and
 * whether it is connected; the transport reconnects by itself.
 */
export interface TransportEvents {
  message(topic: string, payload: Buffer): void;
  /** Subscribed: messages flow (again). */
  connected(): void;
  /** Messages stopped flowing, and why. */
  disconnected(reason: string): void;
  /** Something to count in the device's health (a refused login, a refused subscription). */
  problem(kind: string, message: string): void;
}

export interface MqttTransport {
  /** The broker, for logs and events. */
  readonly address: string;
  start(events: TransportEvents): void;
  /** QoS 0, not retained (Sparkplug commands). Dropped while disconnected. */
  publish(topic: string, payload: Buffer): void;
  stop(): Promise<void>;
}
