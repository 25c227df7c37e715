/**
 * One embedded broker per listen address, shared by the device entries that name it: started
 * by the first entry that attaches, closed when the last one detaches. Entries on one address
 * must agree on its TLS settings and on their users (agent.yaml's load checks both first:
 * broker-entries.ts; these checks hold for callers that did not load it).
 */
import { formatHostPort, parseHostPort, type Logger } from '@davy/runtime';
import type { EmbeddedBrokerDocument } from './embedded-broker-config.js';
import { EmbeddedBroker, type BrokerTenant } from './embedded-broker.js';

interface Running {
  broker: Promise<EmbeddedBroker>;
  tls: string;
  firstTenant: string;
  tenants: number;
}

const running = new Map<string, Running>();

export interface BrokerAttachment {
  broker: EmbeddedBroker;
  detach(): Promise<void>;
}

/** Starts the broker if needed and adds the tenant; rejects with a message naming the fix. */
export async function attachToEmbeddedBroker(settings: EmbeddedBrokerDocument, tenant: BrokerTenant, log: Logger): Promise<BrokerAttachment> {
  const listen = parseHostPort(settings.listen);
  if (!listen) throw new Error(`embedded.listen "${settings.listen}" is not a host:port address`);
  const key = formatHostPort(listen);
  const tls = JSON.stringify(settings.tls ?? null);
  let entry = running.get(key);
  if (entry && entry.tls !== tls) {
    throw new Error(`the embedded broker on ${key} runs with the embedded.tls of ${entry.firstTenant}, and ${tenant.name} gives other settings: give every entry on ${key} the same embedded.tls, or another embedded.listen`);
  }
  if (!entry) {
    entry = { broker: EmbeddedBroker.start(listen, settings.tls, log.child({ broker: key })), tls, firstTenant: tenant.name, tenants: 0 };
    running.set(key, entry);
    const started = entry;
    started.broker.catch(() => {
      if (running.get(key) === started) running.delete(key);
    });
  }
  const broker = await entry.broker;
  try {
    broker.attach(tenant);
  } catch (error) {
    if (entry.tenants === 0) await closeBroker(key, entry, broker);
    throw error;
  }
  entry.tenants += 1;
  let detached = false;
  return {
    broker,
    async detach() {
      if (detached) return;
      detached = true;
      broker.detach(tenant);
      entry.tenants -= 1;
      if (entry.tenants === 0) await closeBroker(key, entry, broker);
    },
  };
}

async function closeBroker(key: string, entry: Running, broker: EmbeddedBroker): Promise<void> {
  if (running.get(key) === entry) running.delete(key);
  await broker.close();
}
