/**
 * Subscribe mode: one subscription per session, its monitored items created in groups of one
 * set of parameters (sampling interval, queue size, deadband filter) and at most the server's
 * MaxMonitoredItemsPerCall each. Notifications become readings; those of one publish response
 * reach the sink together. A server that refuses a later group as a whole (SubscriptionUnsupported)
 * gets the subscription deleted before the error goes up, so the points the driver then polls are
 * not also notified by the items created before.
 */
import type { Logger } from '@davy/runtime';
import type { ClientMonitoredItemGroup, ClientSubscription, MonitoringParametersOptions } from 'node-opcua-client';
import type { PointReading } from '../driver.js';
import { readingFromDataValue } from './data-value.js';
import type { Deadband } from './profile-schema.js';
import { chunks, withTimeout, type OpcuaLink } from './opcua-link.js';
import type { ResolvedPoint } from './point-resolution.js';

/** Service results that mean "this server does not do subscriptions (now)": poll instead. */
const unsupported = /BadServiceUnsupported|BadTooManySubscriptions|BadTooManyMonitoredItems|BadNotSupported|BadNotImplemented|BadOutOfService/;
/** Item results that mean "not with this filter" (e.g. a percent deadband on a node without EURange). */
const filterRefused = /BadFilterNotAllowed|BadMonitoredItemFilterUnsupported|BadDeadbandFilterInvalid|BadMonitoredItemFilterInvalid/;

export class SubscriptionUnsupported extends Error {}

export interface ActiveSubscription {
  /** Settles with the reason when the server ends the subscription. */
  ended: Promise<string>;
  /** Points whose monitored item the server refused, with its status. */
  refused: Array<{ point: ResolvedPoint; error: string }>;
  items: number;
}

export async function subscribe(
  link: OpcuaLink,
  points: readonly ResolvedPoint[],
  onReadings: (readings: PointReading[]) => void,
  log: Logger,
): Promise<ActiveSubscription> {
  const { opcua } = link.library;
  const spec = link.spec;
  const keepAliveCount = Math.min(1000, Math.max(1, Math.ceil(spec.keepAliveMs / spec.publishingIntervalMs)));
  let subscription: ClientSubscription;
  try {
    subscription = await link.session.createSubscription2({
      requestedPublishingInterval: spec.publishingIntervalMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: Math.max(3 * keepAliveCount, Math.ceil(spec.sessionTimeoutMs / spec.publishingIntervalMs)),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
  } catch (error) {
    throw unsupported.test(String(error)) ? new SubscriptionUnsupported(`CreateSubscription failed: ${String(error)}`) : error;
  }
  let endWith!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (endWith = resolve));
  subscription.on('terminated', () => endWith('the server ended the subscription'));
  subscription.on('internal_error', (error: Error) => endWith(`subscription failed: ${error.message}`));
  subscription.on('status_changed', (status) => {
    if (!status.isGood()) endWith(`subscription status ${status.name}`);
  });

  // One reading per notification, handed over together once the publish response is processed.
  let pending: PointReading[] = [];
  let muted = false;
  const flush = () => {
    const readings = pending;
    pending = [];
    onReadings(readings);
  };
  const monitor = async (group: ResolvedPoint[], parameters: MonitoringParametersOptions): Promise<Array<{ point: ResolvedPoint; status: string; filtered: boolean }>> => {
    const refusedItems: Array<{ point: ResolvedPoint; status: string; filtered: boolean }> = [];
    for (const chunk of chunks(group, link.limits.maxMonitoredItemsPerCall)) {
      let items: ClientMonitoredItemGroup;
      try {
        items = await withTimeout(
          subscription.monitorItems(
            chunk.map(({ nodeId }) => ({ nodeId, attributeId: opcua.AttributeIds.Value })),
            parameters,
            opcua.TimestampsToReturn.Both,
          ),
          spec.timeoutMs * 2,
          'CreateMonitoredItems',
        );
      } catch (error) {
        throw unsupported.test(String(error)) ? new SubscriptionUnsupported(`CreateMonitoredItems failed: ${String(error)}`) : error;
      }
      items.on('changed', (_item, dataValue, index) => {
        const point = chunk[index];
        if (!point || muted) return;
        if (pending.length === 0) setImmediate(flush);
        pending.push(readingFromDataValue(point.point.name, dataValue, Date.now()));
      });
      items.monitoredItems.forEach((item, index) => {
        const status = item.statusCode;
        if (status && !status.isGood()) refusedItems.push({ point: chunk[index]!, status: status.name, filtered: parameters.filter != null });
      });
    }
    return refusedItems;
  };

  const refused: ActiveSubscription['refused'] = [];
  const monitorGroups = async (): Promise<void> => {
    for (const [key, group] of groupByParameters(points)) {
      const first = group[0]!.point;
      const parameters: MonitoringParametersOptions = {
        samplingInterval: first.intervalMs,
        queueSize: spec.queueSize ?? Math.max(1, Math.ceil(spec.publishingIntervalMs / Math.max(1, first.intervalMs))) + 1,
        discardOldest: true,
        filter: first.deadband ? dataChangeFilter(opcua, first.deadband) : null,
      };
      const failed = await monitor(group, parameters);
      // A filter the server cannot apply to a node: monitor it without one rather than not at all.
      const retry = failed.filter((item) => item.filtered && filterRefused.test(item.status));
      if (retry.length > 0) {
        log.warn('opcua.deadband_refused', { group: key, points: retry.map((item) => item.point.point.name), status: retry[0]!.status, fix: 'use an absolute deadband, or reportByException' });
        const again = await monitor(retry.map((item) => item.point), { ...parameters, filter: null });
        refused.push(...again.map((item) => ({ point: item.point, error: item.status })));
      }
      refused.push(...failed.filter((item) => !retry.includes(item)).map((item) => ({ point: item.point, error: item.status })));
    }
  };

  try {
    await monitorGroups();
  } catch (error) {
    if (error instanceof SubscriptionUnsupported) {
      muted = true;
      await withTimeout(subscription.terminate(), spec.timeoutMs, 'DeleteSubscriptions');
    }
    throw error;
  }
  return { ended, refused, items: points.length - refused.length };
}

function groupByParameters(points: readonly ResolvedPoint[]): Map<string, ResolvedPoint[]> {
  const groups = new Map<string, ResolvedPoint[]>();
  for (const point of points) {
    const deadband = point.point.deadband;
    const key = `${point.point.intervalMs}ms${deadband ? ` ${deadband.type} ${deadband.value}` : ''}`;
    const group = groups.get(key);
    if (group) group.push(point);
    else groups.set(key, [point]);
  }
  return groups;
}

function dataChangeFilter(opcua: OpcuaLink['library']['opcua'], deadband: Deadband) {
  return new opcua.DataChangeFilter({
    trigger: opcua.DataChangeTrigger.StatusValue,
    deadbandType: deadband.type === 'percent' ? opcua.DeadbandType.Percent : opcua.DeadbandType.Absolute,
    deadbandValue: deadband.value,
  });
}
