/**
 * The store as the API sees it: every read limited to the scope of the request under way
 * (principal.ts), so a route written without a thought for scopes still shows a user only the
 * gateways of its enterprise or regions. Out of scope is answered as not there: the same empty
 * list or missing key an unknown id gets, never "forbidden", which would tell that it exists.
 */
import type { ArrivalQuery, BucketQuery, DeviceFilter, EventQuery, IngestBatch, RawQuery, SeriesFilter, Store, TokenDigest } from '../store/store.js';
import type { StoredSamplesListener } from '../store/stored-samples.js';
import { visibleGateways } from './principal.js';

export class ScopedStore implements Store {
  constructor(private readonly store: Store) {}

  private keep<T>(items: T[], gatewayOf: (item: T) => string): T[] {
    const visible = visibleGateways();
    return visible ? items.filter((item) => visible.has(gatewayOf(item))) : items;
  }

  ingest(batches: IngestBatch[]) {
    return this.store.ingest(batches);
  }

  onStored(listener: StoredSamplesListener) {
    this.store.onStored(listener);
  }

  async gateways() {
    return this.keep(await this.store.gateways(), (gateway) => gateway.id);
  }

  async series(filter: SeriesFilter) {
    return this.keep(await this.store.series(filter), (series) => series.gatewayId);
  }

  async seriesByKey(key: string) {
    const series = await this.store.seriesByKey(key);
    const visible = visibleGateways();
    return series && (!visible || visible.has(series.gatewayId)) ? series : undefined;
  }

  async latest(filter: SeriesFilter) {
    return this.keep(await this.store.latest(filter), (latest) => latest.series.gatewayId);
  }

  async devices(filter: DeviceFilter) {
    return this.keep(await this.store.devices(filter), (device) => device.gatewayId);
  }

  /** By a series id the route found by key (seriesByKey), so within the scope. */
  history(query: BucketQuery) {
    return this.store.history(query);
  }

  /** By a series id the caller found through series() or seriesByKey(), so within the scope. */
  arrivals(query: ArrivalQuery) {
    return this.store.arrivals(query);
  }

  /** As history. */
  rawPoints(query: RawQuery) {
    return this.store.rawPoints(query);
  }

  events(query: EventQuery) {
    const visible = visibleGateways();
    return this.store.events(visible ? { ...query, gatewayIds: [...visible] } : query);
  }

  tokenDigests(): Promise<TokenDigest[]> {
    return this.store.tokenDigests();
  }

  replaceTokenDigests(tokens: TokenDigest[]) {
    return this.store.replaceTokenDigests(tokens);
  }

  hasTokenDigest(sha256Hex: string) {
    return this.store.hasTokenDigest(sha256Hex);
  }

  close() {
    return this.store.close();
  }
}
