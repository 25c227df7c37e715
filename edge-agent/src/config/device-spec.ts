/** What the agent knows of a device after its config and its profile are resolved. */
import type { ReportByException } from '../pipeline/report-by-exception.js';

export interface PointSpec {
  name: string;
  metric: string;
  unit: string;
  scale: number;
  offset: number;
  /** How often the point is read (0 for points a device pushes). */
  intervalMs: number;
  description?: string;
  /** The point's own setting, else its device's; none: every sample is sent. */
  reportByException?: ReportByException;
}

export interface DeviceSpec {
  name: string;
  protocol: string;
  /** The profile's name (its file name without .yaml). */
  profile: string;
  points: PointSpec[];
}
