/**
 * The alarm rules that work on a clock (silence, edge events) run every few seconds, each run
 * after the last one ended, and not at all in a replica that does not lead.
 */

/** How often the hub sweeps unless told otherwise: a fraction of the shortest silence rule's wait. */
export const defaultSweepMs = 5_000;

export class Sweeps {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /** `mayRun`: false while another replica leads; it sweeps, this one does not. */
  constructor(
    private readonly work: () => Promise<void>,
    private readonly mayRun: () => boolean,
  ) {}

  /** Sweeps every `everyMs`. */
  start(everyMs: number): void {
    const next = () => {
      this.timer = setTimeout(() => {
        void this.run().finally(() => {
          if (this.timer) next();
        });
      }, everyMs);
      this.timer.unref();
    };
    next();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep now (or the one under way); nothing while another replica leads. */
  run(): Promise<void> {
    if (!this.mayRun()) return Promise.resolve();
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
