/**
 * A profile point as the pipeline knows it, whatever the protocol: its common fields, the
 * interval it is read at (0 for points a device pushes), and its report-by-exception setting —
 * its own, else its device's.
 */
import type { PointSpec } from '../config/device-spec.js';
import type { ReportByException } from '../pipeline/report-by-exception.js';

type ProfilePoint = Pick<PointSpec, 'name' | 'description' | 'metric' | 'unit' | 'scale' | 'offset' | 'reportByException'>;

export function pointSpecOf(point: ProfilePoint, intervalMs: number, deviceReportByException: ReportByException | undefined): PointSpec {
  return {
    name: point.name,
    description: point.description,
    metric: point.metric,
    unit: point.unit,
    scale: point.scale,
    offset: point.offset,
    intervalMs,
    reportByException: point.reportByException ?? deviceReportByException,
  };
}
