/**
 * A hub's alarm webhooks: the subscriptions, the outbox every alarm change appends to in its own
 * transaction, and the dispatcher that sends it, woken once the change is committed; settled
 * deliveries are removed after 30 days. Started
 * before the alarm rules (no change may pass unrecorded), closed before the database.
 */
import { errorMessage, type Logger } from '@davy/runtime';
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

/** Settled deliveries are kept this long for admins to read (GET /webhooks/{id}/deliveries), then removed hourly. */
export const keptSettledDays = 30;

export interface WebhookOptions {
  db: SqlDatabase;
  alarms: AlarmStore;
  log: Logger;
  /** Receivers on loopback, private or link-local addresses allowed (--allow-private-webhooks); public ones only otherwise. */
  allowPrivate: boolean;
  timings?: Partial<DeliveryTimings>;
  now?: () => number;
}

export async function startWebhooks(options: WebhookOptions): Promise<Webhooks> {
  const now = options.now ?? Date.now;
  const subscriptions = new WebhookSubscriptions(options.db, options.allowPrivate);
  const outbox = new DeliveryOutbox(options.db);
  const dispatcher = new WebhookDispatcher(outbox, { ...defaultDeliveryTimings, ...options.timings }, options.log, options.allowPrivate);
  options.alarms.addRecorder({ record: (tx, change) => outbox.append(tx, change), committed: () => dispatcher.wake() });
  await outbox.dropOrphans();
  const prune = async () => {
    try {
      const removed = await outbox.prune(now() - keptSettledDays * 86_400_000);
      if (removed > 0) options.log.info('webhook.pruned', { removed, keptDays: keptSettledDays });
    } catch (error) {
      options.log.error('webhook.prune_failed', { error: errorMessage(error), hint: 'retried in an hour' });
    }
  };
  await prune();
  const pruning = setInterval(() => void prune(), 3_600_000);
  pruning.unref();
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
    close: () => {
      clearInterval(pruning);
      return dispatcher.close();
    },
  };
}
