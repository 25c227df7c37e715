/**
 * A hub's alarm webhooks: the subscriptions, the outbox every alarm change appends to in its own
 * transaction, and the dispatcher that sends it, woken once the change is committed. Started
 * before the alarm rules (no change may pass unrecorded), closed before the database.
 */
import type { Logger } from '@davy/runtime';
import type { AlarmStore } from '../alarms/alarm-store.js';
import type { SqlDatabase } from '../registry/sql/sql-database.js';
import { DeliveryOutbox } from './delivery-outbox.js';
import { defaultDeliveryTimings, WebhookDispatcher, type DeliveryTimings } from './dispatcher.js';
import { WebhookSubscriptions } from './subscriptions.js';

export { defaultDeliveryTimings, type DeliveryTimings } from './dispatcher.js';
export type { Delivery, DeliveryState, WebhookEvent } from './delivery-outbox.js';
export type { NewWebhook, Webhook } from './subscriptions.js';

export interface Webhooks {
  subscriptions: WebhookSubscriptions;
  outbox: DeliveryOutbox;
  dispatcher: WebhookDispatcher;
  /** Removes a webhook with its pending deliveries, and ends an attempt under way for it; false when there was none. */
  remove(id: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startWebhooks(options: { db: SqlDatabase; alarms: AlarmStore; log: Logger; timings?: Partial<DeliveryTimings> }): Promise<Webhooks> {
  const subscriptions = new WebhookSubscriptions(options.db);
  const outbox = new DeliveryOutbox(options.db);
  const dispatcher = new WebhookDispatcher(outbox, { ...defaultDeliveryTimings, ...options.timings }, options.log);
  options.alarms.addRecorder({ record: (tx, change) => outbox.append(tx, change), committed: () => dispatcher.wake() });
  await outbox.dropOrphans();
  // What was pending when the hub stopped goes out now.
  dispatcher.wake();
  return {
    subscriptions,
    outbox,
    dispatcher,
    async remove(id) {
      const removed = await subscriptions.remove(id);
      dispatcher.forget(id);
      return removed;
    },
    close: () => dispatcher.close(),
  };
}
