/**
 * Closed-loop load: `clients` loops, each sending its next request as soon as the previous one
 * is answered, for a warm-up and then a measured stretch; every request's latency recorded.
 * Each loop draws its (series, day) pairs from a PRNG seeded by its number, so the hub and its
 * ceiling are asked the same things in the same order.
 */
import { seededRandom } from '@davy/runtime/testing';

export interface Target {
  seriesId: number;
  dayMs: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time per measured request, ms, by meter (see LoadOptions.cpu). */
  cpuMsPerRequest: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface LoadOptions {
  clients: number;
  warmupMs: number;
  durationMs: number;
  seriesIds: number[];
  days: number[];
  /** Bound on the requests one client sends in a phase, whatever the clock says. */
  maxRequestsPerClient?: number;
  /** CPU seconds used so far by processes the requests keep busy, read before and after the measured stretch. */
  cpu?: Record<string, () => number>;
}

/** Runs the load; the first failed request stops every loop and is thrown. */
export async function closedLoop(options: LoadOptions, request: (target: Target) => Promise<void>): Promise<LoadResult> {
  const maxRequests = options.maxRequestsPerClient ?? 200_000;
  let failure: unknown;
  const phase = async (durationMs: number, record: number[][] | undefined) => {
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: options.clients }, async (_, client) => {
        const random = seededRandom(client + 1 + (record ? 1_000 : 0));
        const latencies: number[] = [];
        record?.push(latencies);
        for (let i = 0; i < maxRequests && failure === undefined && performance.now() < deadline; i += 1) {
          const target = {
            seriesId: options.seriesIds[Math.floor(random() * options.seriesIds.length)]!,
            dayMs: options.days[Math.floor(random() * options.days.length)]!,
          };
          const sent = performance.now();
          try {
            await request(target);
          } catch (error) {
            failure ??= error;
            return;
          }
          latencies.push(performance.now() - sent);
        }
      }),
    );
    return (performance.now() - started) / 1000;
  };
  await phase(options.warmupMs, undefined);
  if (failure !== undefined) throw failure;
  const meters = Object.entries(options.cpu ?? {});
  const cpuBefore = meters.map(([, read]) => read());
  const recorded: number[][] = [];
  const seconds = await phase(options.durationMs, recorded);
  if (failure !== undefined) throw failure;
  const sorted = Float64Array.from(recorded.flat()).sort();
  if (sorted.length === 0) throw new Error('no request completed in the measured stretch');
  const cpuMsPerRequest = Object.fromEntries(meters.map(([name, read], i) => [name, ((read() - cpuBefore[i]!) * 1000) / sorted.length]));
  return {
    requests: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
    cpuMsPerRequest,
  };
}
