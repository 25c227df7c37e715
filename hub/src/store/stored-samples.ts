/**
 * Who hears of the samples a commit stored — the hub's alarm rules — after the commit, new
 * samples only (a resend's duplicates are not stored, so not told), in record order. A
 * listener that fails is its own problem: the commit stands.
 */
import type { SampleRow } from './batch-records.js';

export type StoredSamplesListener = (samples: readonly SampleRow[]) => void;

export class StoredSamples {
  private readonly listeners: StoredSamplesListener[] = [];

  add(listener: StoredSamplesListener): void {
    this.listeners.push(listener);
  }

  emit(samples: readonly SampleRow[]): void {
    if (samples.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(samples);
      } catch {
        // The listener logs its own failures; ingest goes on.
      }
    }
  }
}
