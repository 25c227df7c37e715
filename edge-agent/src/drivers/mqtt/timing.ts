/** How long the MQTT and Sparkplug drivers wait and how often they retry, in one place (the README quotes them). */

/** How long `davy-agent device test` waits for the device's messages (Sparkplug: for a birth). */
export const readOnceWaitMs = 15_000;

/** Reconnecting to an external broker, and retrying a subscription it refused. */
export const brokerRetry = { initialMs: 500, maxMs: 30_000 };

/** Starting the embedded broker again when its port is taken. */
export const embeddedBrokerRetry = { initialMs: 1_000, maxMs: 30_000 };

/**
 * At most one Sparkplug rebirth request per node in this time, and how long after one the
 * host waits for the births before data it cannot place counts as an error: a node needs a
 * moment to publish its births.
 */
export const rebirthIntervalMs = 5_000;
