/**
 * What one birth certificate (an NBIRTH, or a device's DBIRTH) declares: each metric's name,
 * alias and datatype. Data messages name metrics by alias and leave the datatype out, so
 * both are looked up here; the next birth replaces the table.
 */
import type { sparkplugB } from '@davy/proto';

export type ResolvedMetric = { name: string; datatype: number } | { unknownAlias: number } | { unknownName: string };

export class MetricTable {
  private readonly names = new Map<number, string>();
  private readonly datatypes = new Map<string, number>();

  constructor(birth: readonly sparkplugB.Payload_Metric[]) {
    for (const metric of birth) {
      if (metric.name === undefined) continue;
      if (metric.alias !== undefined) this.names.set(metric.alias, metric.name);
      this.datatypes.set(metric.name, metric.datatype ?? 0);
    }
  }

  has(name: string): boolean {
    return this.datatypes.has(name);
  }

  resolve(metric: sparkplugB.Payload_Metric): ResolvedMetric {
    const name = metric.name ?? (metric.alias === undefined ? undefined : this.names.get(metric.alias));
    if (name === undefined) return { unknownAlias: metric.alias ?? -1 };
    const datatype = metric.datatype ?? this.datatypes.get(name);
    return datatype === undefined ? { unknownName: name } : { name, datatype };
  }
}
