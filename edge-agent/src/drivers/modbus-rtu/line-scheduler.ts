/**
 * The turn-taking of one shared line: exchanges strictly one at a time, each starting at least
 * `gapMs` after the previous one ended (RTU frames are told apart by silence), and the slaves
 * served in turn — each unit id has its own queue and the line takes one exchange from each
 * in rotation, so a slave with many requests per poll cannot hold the others up.
 */
import { sleep } from '@davy/runtime';
import { ModbusReadError } from '../modbus/index.js';

interface Pending {
  exchange: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class LineScheduler {
  private readonly queues = new Map<number, Pending[]>();
  private lastUnit?: number;
  private running = false;
  private closed = false;
  /** performance.now() before which the line stays silent. */
  private quietUntil = 0;

  constructor(
    private readonly gapMs: number,
    private readonly where: string,
  ) {}

  /** Runs `exchange` (one request and its reply, or its timeout) on the line when `unitId`'s turn comes. */
  submit<T>(unitId: number, exchange: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ModbusReadError('connection', `the line ${this.where} is closed`));
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(unitId) ?? [];
      this.queues.set(unitId, queue);
      queue.push({ exchange, resolve: resolve as (value: unknown) => void, reject });
      void this.pump();
    });
  }

  /** Refuses what waits; the exchange in progress ends on its own. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const pending of queue.splice(0)) pending.reject(new ModbusReadError('connection', `the line ${this.where} is closed`));
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        // Waiting here also lets the slave just served queue its next request before the
        // rotation moves on, so every slave with work gets its turn.
        await this.silence();
        const next = this.next();
        if (!next) return;
        try {
          next.resolve(await next.exchange());
        } catch (error) {
          next.reject(error);
        }
        this.quietUntil = performance.now() + this.gapMs;
      }
    } finally {
      this.running = false;
    }
  }

  /** The first waiting exchange of the first unit after the last one served. */
  private next(): Pending | undefined {
    const units = [...this.queues.keys()];
    const after = this.lastUnit === undefined ? -1 : units.indexOf(this.lastUnit);
    for (let step = 1; step <= units.length; step += 1) {
      const unit = units[(after + step) % units.length]!;
      const pending = this.queues.get(unit)!.shift();
      if (pending) {
        this.lastUnit = unit;
        return pending;
      }
    }
    return undefined;
  }

  /** Until `quietUntil`, to the millisecond timers allow; checked again since a timer may fire a little early. */
  private async silence(): Promise<void> {
    let remainingMs = this.quietUntil - performance.now();
    if (remainingMs <= 0) return new Promise((resolve) => setImmediate(resolve));
    while (remainingMs > 0) {
      await sleep(Math.ceil(remainingMs));
      remainingMs = this.quietUntil - performance.now();
    }
  }
}
