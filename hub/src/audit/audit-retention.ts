/** Removes audit records older than the retention, at start and every hour after. */
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
