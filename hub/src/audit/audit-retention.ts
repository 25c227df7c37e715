/**
 * Removes audit records older than the retention, at start and every hour after, and each time
 * logs the chain's head (`audit.head`: the newest record's id and SM3 hash), so that a copy
 * lives outside the database, with the logs: `davy-hub audit verify --head ID:HASH` then shows
 * the newest records removed or the whole chain written again, which the chain alone cannot.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { AuditLog } from './audit-log.js';

export class AuditRetention {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditLog,
    private readonly days: number,
    private readonly log: Logger,
    private readonly intervalMs = 3_600_000,
  ) {}

  async run(): Promise<void> {
    try {
      const removed = await this.audit.prune(this.days);
      if (removed > 0) this.log.info('audit.pruned', { removed, retentionDays: this.days });
      const head = await this.audit.head();
      if (head) this.log.info('audit.head', { id: head.id, hash: head.hash, check: `davy-hub audit verify --head ${head.id}:${head.hash}` });
    } catch (error) {
      this.log.error('audit.prune_failed', { error: errorMessage(error), hint: 'retried in an hour' });
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
