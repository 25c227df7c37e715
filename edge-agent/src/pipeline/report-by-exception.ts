/**
 * Report by exception: a sample goes on only when it says something new — its value moved
 * past the deadband, its quality changed, or the point has been silent for maxSilence. Off
 * unless a profile point or a device asks for it; a point's own setting wins over its device's.
 */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';

export const reportByExceptionSchema = z
  .object({
    deadband: z.number().min(0).optional().describe('send when the value moved by more than this, in the point\'s unit'),
    deadbandPercent: z.number().min(0).max(100).optional().describe('send when the value moved by more than this share of the last value sent'),
    maxSilence: durationMs().optional().describe('send anyway when nothing was sent for this long, e.g. 15m'),
  })
  .strict()
  .describe('report by exception: deadband (absolute or percent) and maximum silence');

export type ReportByException = z.output<typeof reportByExceptionSchema>;

interface LastSent {
  value: number;
  quality: number;
  timeMs: number;
}

export class ExceptionFilter {
  private readonly lastSent = new Map<number, LastSent>();

  /** Whether the sample of `series` should be sent; remembers it when it is. */
  passes(series: number, setting: ReportByException | undefined, value: number, quality: number, timeMs: number): boolean {
    if (!setting) return true;
    const last = this.lastSent.get(series);
    if (!last || last.quality !== quality || this.moved(setting, last.value, value) || this.silentTooLong(setting, last.timeMs, timeMs)) {
      this.lastSent.set(series, { value, quality, timeMs });
      return true;
    }
    return false;
  }

  private moved(setting: ReportByException, last: number, value: number): boolean {
    const change = Math.abs(value - last);
    if (Number.isNaN(change)) return !(Number.isNaN(value) && Number.isNaN(last));
    if (setting.deadband === undefined && setting.deadbandPercent === undefined) return change > 0;
    if (setting.deadband !== undefined && change > setting.deadband) return true;
    return setting.deadbandPercent !== undefined && change > (Math.abs(last) * setting.deadbandPercent) / 100;
  }

  private silentTooLong(setting: ReportByException, lastMs: number, nowMs: number): boolean {
    return setting.maxSilence !== undefined && nowMs - lastMs >= setting.maxSilence;
  }
}
