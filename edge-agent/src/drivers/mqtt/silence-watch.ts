/**
 * `staleAfter` of an MQTT entry: a device that pushes nothing for that long while the broker
 * connection is up is taken offline (a dead charger must not keep its last value forever); its
 * next message brings it back. Swept on a timer rather than one timer per message, so a busy
 * entry pays a Map write per message; a device goes offline at most a tenth of staleAfter late.
 */
export class SilenceWatch {
  private readonly lastHeardMs = new Map<string, number>();
  private readonly silent = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    readonly afterMs: number,
    /** A device has been silent for `silentMs`. */
    private readonly onSilent: (device: string, silentMs: number) => void,
  ) {}

  heard(device: string, nowMs = Date.now()): void {
    this.lastHeardMs.set(device, nowMs);
    this.silent.delete(device);
  }

  /** Whether the device went offline for silence (and has not spoken since). */
  isSilent(device: string): boolean {
    return this.silent.has(device);
  }

  /**
   * Connected (again): the clock starts now for every device that was not silent already,
   * since the agent could not hear anyone while it was away.
   */
  resume(nowMs = Date.now()): void {
    for (const device of this.lastHeardMs.keys()) if (!this.silent.has(device)) this.lastHeardMs.set(device, nowMs);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.sweep(), Math.min(5_000, Math.max(50, this.afterMs / 10)));
    this.timer.unref();
  }

  /** Disconnected or stopped: every device is offline anyway. */
  pause(): void {
    clearInterval(this.timer);
  }

  sweep(nowMs = Date.now()): void {
    for (const [device, heardMs] of this.lastHeardMs) {
      if (this.silent.has(device) || nowMs - heardMs < this.afterMs) continue;
      this.silent.add(device);
      this.onSilent(device, nowMs - heardMs);
    }
  }
}
