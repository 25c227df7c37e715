/**
 * Sends the outbox's deliveries: a signed HTTP POST each; a 2xx answer delivers it, anything
 * else (another status, a refused connection, no answer within the timeout) is tried again after
 * an exponential backoff with jitter, until the delivery is too old or tried too often: then it
 * failed, which is logged as a warning. Each webhook's deliveries go in order — only the oldest
 * pending one is sent, so a later one waits while an earlier one is retried — and webhooks do not
 * wait on one another. Pending deliveries are kept in the database, so a restarted hub sends them.
 */
import { backoffDelayMs, connectFailure, errorMessage, type BackoffOptions, type LogFields, type Logger } from '@davy/runtime';
import type { DeliveryOutbox, DueDelivery } from './delivery-outbox.js';
import { HttpPoster } from './http-poster.js';
import { webhookSignature } from './signature.js';

export interface DeliveryTimings {
  /** An attempt without a complete answer by then failed. */
  requestTimeoutMs: number;
  /** The delays between attempts: doubling from initialMs up to maxMs, drawn at random under that ceiling (full jitter). */
  retry: BackoffOptions;
  /** A delivery not made this long after it was appended failed. */
  giveUpAfterMs: number;
  /** A delivery that failed this many attempts failed. */
  maxAttempts: number;
  /** How often the outbox is looked at without being woken: deliveries another replica appended, or left behind when it stopped. */
  pollMs: number;
}

export const defaultDeliveryTimings: DeliveryTimings = {
  requestTimeoutMs: 10_000,
  retry: { initialMs: 1_000, maxMs: 600_000 },
  giveUpAfterMs: 24 * 3_600_000,
  // The 24 h above end a delivery first: with full jitter under a 10-minute ceiling, some 300 attempts.
  maxAttempts: Number.POSITIVE_INFINITY,
  pollMs: 30_000,
};

/** How much longer than an attempt's timeout a claim lasts, for the attempt's own writes and clocks a little apart. */
const claimMarginMs = 30_000;
/** After the outbox could not be read (the database failed), the next look. */
const retryLookMs = 5_000;

type Outcome = { kind: 'delivered' } | { kind: 'failed'; error: string } | { kind: 'interrupted' };

interface Attempt {
  controller: AbortController;
  done: Promise<void>;
}

export class WebhookDispatcher {
  /** The attempt under way per webhook id: at most one, which keeps a webhook's deliveries in order. */
  private readonly attempts = new Map<number, Attempt>();
  private readonly poster: HttpPoster;
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private lookAgain = false;
  private closed = false;

  constructor(
    private readonly outbox: DeliveryOutbox,
    private readonly timings: DeliveryTimings,
    private readonly log: Logger,
    allowPrivate: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.poster = new HttpPoster(allowPrivate);
  }

  /** Looks for deliveries due: at start, after an alarm change committed, after each attempt, and when the next is due. */
  wake(): void {
    if (this.closed) return;
    if (this.looking) {
      // A look under way may have read the outbox before this change: look once more after it.
      this.lookAgain = true;
      return;
    }
    this.looking = this.look().finally(() => {
      this.looking = undefined;
      if (this.lookAgain) {
        this.lookAgain = false;
        this.wake();
      }
    });
  }

  /** Ends an attempt under way for a webhook that was removed; its deliveries are gone with it. */
  forget(webhookId: number): void {
    this.attempts.get(webhookId)?.controller.abort();
  }

  /** Stops: no look or attempt starts, those under way are cut short (not counted) and awaited, connections closed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.looking;
    for (const attempt of this.attempts.values()) attempt.controller.abort();
    await Promise.all([...this.attempts.values()].map((attempt) => attempt.done));
    this.poster.close();
  }

  private async look(): Promise<void> {
    clearTimeout(this.timer);
    let heads: DueDelivery[];
    try {
      heads = await this.outbox.heads();
    } catch (error) {
      this.log.error('webhook.outbox_failed', { error: errorMessage(error), retryInMs: retryLookMs });
      this.wakeIn(retryLookMs);
      return;
    }
    if (this.closed) return;
    const nowMs = this.now();
    let nextMs = nowMs + this.timings.pollMs;
    for (const head of heads) {
      // Sent already (its answer not settled yet): the webhook's next waits for it.
      if (this.attempts.has(head.webhookId)) continue;
      const dueMs = Math.max(head.nextAttemptMs, head.claimedUntilMs ?? 0);
      if (dueMs > nowMs) nextMs = Math.min(nextMs, dueMs);
      else this.start(head);
    }
    this.wakeIn(nextMs - nowMs);
  }

  private wakeIn(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => this.wake(), delayMs);
  }

  private start(head: DueDelivery): void {
    const controller = new AbortController();
    const done = this.attempt(head, controller.signal)
      .catch((error: unknown) => {
        // The outbox could not be written: the claim runs out and the delivery is tried again.
        this.log.error('webhook.outbox_failed', { ...this.about(head), error: errorMessage(error) });
      })
      .finally(() => {
        this.attempts.delete(head.webhookId);
        this.wake();
      });
    this.attempts.set(head.webhookId, { controller, done });
  }

  private async attempt(head: DueDelivery, signal: AbortSignal): Promise<void> {
    const startMs = this.now();
    // Another replica sends it (or did, since the heads were read).
    if (!(await this.outbox.claim(head.seq, startMs + this.timings.requestTimeoutMs + claimMarginMs))) return;
    const outcome = await this.send(head, signal);
    if (outcome.kind === 'interrupted') return this.outbox.release(head.seq);
    const attempts = head.attempts + 1;
    const atMs = this.now();
    if (outcome.kind === 'delivered') {
      await this.outbox.delivered(head.seq, attempts, atMs);
      this.log.debug('webhook.delivered', { ...this.about(head), attempts });
      return;
    }
    const retryInMs = Math.round(backoffDelayMs(this.timings.retry, attempts));
    if (attempts >= this.timings.maxAttempts || atMs + retryInMs > head.createdMs + this.timings.giveUpAfterMs) {
      await this.outbox.failed(head.seq, attempts, outcome.error, atMs);
      this.log.warn('webhook.delivery_failed', { ...this.about(head), attempts, error: outcome.error });
      return;
    }
    await this.outbox.retryLater(head.seq, attempts, outcome.error, atMs, atMs + retryInMs);
    this.log.info('webhook.attempt_failed', { ...this.about(head), attempts, error: outcome.error, retryInMs });
  }

  /** What a log line about a delivery names: the webhook by its id (its URL may say more than a log should; its secret never goes anywhere). */
  private about(head: DueDelivery): LogFields {
    return { webhook: head.webhookId, delivery: head.id, alarm: head.alarmId, webhookEvent: head.event };
  }

  private async send(head: DueDelivery, signal: AbortSignal): Promise<Outcome> {
    // Signed at each attempt: a receiver that refuses stale timestamps still takes a late retry.
    const timestampMs = this.now();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'davy-hub',
      'Davy-Event': head.event,
      'Davy-Delivery': head.id,
      'Davy-Timestamp': String(timestampMs),
      'Davy-Signature': webhookSignature(head.secret, timestampMs, head.body),
    };
    try {
      const answer = await this.poster.post(new URL(head.url), headers, head.body, { timeoutMs: this.timings.requestTimeoutMs, signal });
      if (answer.status >= 200 && answer.status < 300) return { kind: 'delivered' };
      const redirect = answer.status >= 300 && answer.status < 400 ? ' (redirects are not followed)' : '';
      return { kind: 'failed', error: `HTTP ${answer.status} ${answer.statusText}`.trimEnd() + redirect };
    } catch (error) {
      if (signal.aborted) return { kind: 'interrupted' };
      return { kind: 'failed', error: connectFailure(error) };
    }
  }
}
