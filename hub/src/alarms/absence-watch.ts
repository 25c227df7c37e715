/**
 * The rules that judge an absence, on a clock: a gateway the hub has heard nothing from (not
 * even a heartbeat) for its rule's seconds, a device its gateway reports offline, a series that
 * sent nothing for its rule's number of read intervals. Each sweep raises what has gone silent
 * and clears what is back. A series is stale only while its gateway is heard from: if the
 * gateway has not been heard since the series' data was due, or the device is offline, the
 * silence is theirs, their alarm says why, and one cause should not page a regulator a thousand
 * times. A gateway back from silence gives its series their wait again from then, time to send
 * what it kept. All times are the hub's (when it received), so a gateway's wrong clock makes
 * nothing stale.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { Store } from '../store/store.js';
import type { Alarm, AlarmPoint, AlarmStore } from './alarm-store.js';
import type { RestoredAlarms } from './restored-alarms.js';
import { deviceRulesFor, gatewayRulesFor, type DeviceOfflineRule, type GatewayOfflineRule, type RuleTable, type StaleRule } from './rule-tables.js';
import type { SeriesContexts } from './series-context.js';

type AbsenceRule = StaleRule | GatewayOfflineRule | DeviceOfflineRule;

export class AbsenceWatch {
  /** The open alarm of each absence rule on each subject (subject key and rule id). */
  private readonly open = new Map<string, Alarm>();
  /** When each gateway was seen back from a silence its alarm was open for. */
  private readonly backMs = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly contexts: SeriesContexts,
    private readonly alarms: AlarmStore,
    private readonly restored: RestoredAlarms,
    private readonly tables: readonly RuleTable[],
    private readonly log: Logger,
    private readonly now: () => number,
    /** False once another replica leads: nothing more is written. */
    private readonly mayWrite: () => boolean,
  ) {}

  /** Forgets what it knew of open alarms (the lead came back: the database says what is open). */
  reset(): void {
    this.open.clear();
    this.backMs.clear();
  }

  /** One look at every gateway, device and series; resolves once what it found is kept. */
  async sweep(): Promise<void> {
    try {
      await this.sweepOnce();
    } catch (error) {
      this.log.error('alarm.sweep_failed', { error: errorMessage(error), hint: 'the next sweep looks again' });
    }
  }

  private async sweepOnce(): Promise<void> {
    const nowMs = this.now();
    const siteKindOf = (gatewayId: string) => this.contexts.siteKindOf(gatewayId);

    const lastHeard = new Map<string, number>();
    const skews = new Map<string, number>();
    for (const gateway of await this.store.gateways()) {
      lastHeard.set(gateway.id, gateway.lastSeenMs);
      if (gateway.clockSkewMs !== null) skews.set(gateway.id, gateway.clockSkewMs);
      const kind = await siteKindOf(gateway.id);
      if (kind === undefined) continue;
      const point: AlarmPoint = { subject: 'gateway', subjectKey: gateway.id, seriesKey: null, gatewayId: gateway.id, device: null, metric: null, location: null };
      for (const { table, rule } of gatewayRulesFor(this.tables, kind)) {
        if ((await this.judge(point, table, rule, gateway.lastSeenMs, rule.afterSeconds * 1_000, nowMs, false)) === 'cleared') this.backMs.set(gateway.id, nowMs);
      }
    }

    const offlineDevices = new Set<string>();
    for (const device of await this.store.devices({})) {
      // The gateway timed the device's going offline by its own clock: brought to the hub's by its last measured skew.
      const skewMs = skews.get(device.gatewayId) ?? 0;
      const subjectKey = `${device.gatewayId}/${device.device}`;
      const offline = device.state === 'offline';
      if (offline) offlineDevices.add(subjectKey);
      const kind = await siteKindOf(device.gatewayId);
      if (kind === undefined) continue;
      const point: AlarmPoint = { subject: 'device', subjectKey, seriesKey: null, gatewayId: device.gatewayId, device: device.device, metric: null, location: null };
      // Offline since the gateway said so; a device not offline has no silence to measure.
      const sinceMs = offline && device.stateSinceMs !== null ? device.stateSinceMs - skewMs : nowMs;
      for (const { table, rule } of deviceRulesFor(this.tables, kind)) await this.judge(point, table, rule, sinceMs, offline ? rule.afterSeconds * 1_000 : Infinity, nowMs, false);
    }

    for (const latest of await this.store.latest({})) {
      const { series } = latest;
      this.contexts.know(series);
      if (series.intervalMs <= 0) continue;
      const context = await this.contexts.of(series.id);
      if (!context) continue;
      const deviceOffline = offlineDevices.has(`${series.gatewayId}/${series.device}`);
      const sinceMs = Math.max(latest.receivedMs, this.backMs.get(series.gatewayId) ?? -Infinity);
      for (const { table, rule } of context.staleRules) {
        const waitMs = rule.afterIntervals * series.intervalMs;
        const gatewaySilent = (lastHeard.get(series.gatewayId) ?? -Infinity) < sinceMs + waitMs;
        await this.judge(context.point, table, rule, sinceMs, waitMs, nowMs, gatewaySilent || deviceOffline);
      }
    }
  }

  /**
   * Raises the rule on the subject once it has been silent since `sinceMs` for `waitMs`, unless
   * the silence is `explained` by another alarm; clears it once the silence is over. The value
   * is the silence in seconds: when raised, how long it had lasted; when cleared, how long it
   * lasted until this sweep saw it end. Answers what this sweep did.
   */
  private async judge(point: AlarmPoint, table: RuleTable, rule: AbsenceRule, sinceMs: number, waitMs: number, nowMs: number, explained: boolean): Promise<'quiet' | 'raised' | 'open' | 'cleared'> {
    if (!this.mayWrite()) return 'quiet';
    const key = `${point.subjectKey}\u0000${rule.id}`;
    const open = this.open.get(key) ?? this.restored.take(point.subjectKey, rule.id);
    const silentMs = Math.max(0, nowMs - sinceMs);
    const silent = silentMs >= waitMs;
    if (!open) {
      if (!silent || explained) return 'quiet';
      const raised = (await this.alarms.apply(undefined, point, table, rule, { kind: 'raised', severity: rule.severity, value: silentMs / 1_000, timeMs: nowMs }))!;
      this.open.set(key, raised);
      this.log.warn('alarm.raised', { alarm: raised.id, rule: rule.id, subject: point.subjectKey, silentSeconds: silentMs / 1_000 });
      return 'raised';
    }
    this.open.set(key, open);
    if (silent) return 'open';
    // The silence began when the alarm's first value says, and lasted until now.
    const lastedSeconds = (nowMs - (open.raisedMs - open.firstValue * 1_000)) / 1_000;
    await this.alarms.apply(open, point, table, rule, { kind: 'cleared', value: lastedSeconds, timeMs: nowMs });
    this.open.delete(key);
    this.log.info('alarm.cleared', { alarm: open.id, rule: rule.id, subject: point.subjectKey, silentSeconds: lastedSeconds });
    return 'cleared';
  }
}
