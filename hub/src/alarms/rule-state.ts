/**
 * One rule on one series, sample by sample, in time order: raised when `raise` holds (at once,
 * after `forSeconds` of holding, or on its `times`-th start within `withinMinutes`, by the
 * rule's kind; on the change per minute for a rate rule), escalated to critical when `escalate`
 * holds, updated by each further sample that meets `raise` while it is open, cleared only when
 * `clear` holds. What changed is returned for the alarm store to keep; the state is a few
 * numbers, so thousands of rules stay cheap.
 */
import { holds, type Severity, type ValueRule } from './rule-tables.js';

export type Transition =
  | { kind: 'raised'; severity: Severity; value: number; timeMs: number }
  | { kind: 'escalated'; severity: 'critical'; value: number; timeMs: number }
  | { kind: 'repeated'; value: number; timeMs: number }
  | { kind: 'cleared'; value: number; timeMs: number };

export class RuleState {
  open = false;
  severity: Severity | null = null;
  /** The newest sample time evaluated: an older or equal one (a late or resent sample) is not. */
  lastTimeMs = -Infinity;
  /** The value of that sample (rate rules measure from it). */
  private lastValue: number | undefined;
  /** Duration rules: since when `raise` has held without a break. */
  private holdingSinceMs: number | undefined;
  /** Repeating rules: whether `raise` held at the last sample, and when it began to hold, within the window. */
  private held = false;
  private starts: number[] = [];

  constructor(readonly rule: ValueRule) {}

  evaluate(sampleValue: number, timeMs: number): Transition | undefined {
    if (timeMs <= this.lastTimeMs) return undefined;
    const previous = this.lastValue === undefined ? undefined : { value: this.lastValue, timeMs: this.lastTimeMs };
    this.lastTimeMs = timeMs;
    this.lastValue = sampleValue;
    const { rule } = this;
    // A rate rule measures the change per minute since the sample before; the first has none.
    const value = rule.kind === 'rate' ? (previous ? ((sampleValue - previous.value) * 60_000) / (timeMs - previous.timeMs) : undefined) : sampleValue;
    if (value === undefined) return undefined;
    const critical = rule.escalate !== undefined && holds(rule.escalate, value);
    if (!this.open) {
      if (!this.raises(value, timeMs)) return undefined;
      this.open = true;
      this.severity = critical ? 'critical' : rule.severity;
      return { kind: 'raised', severity: this.severity, value, timeMs };
    }
    if (holds(rule.clear, value)) {
      this.open = false;
      this.severity = null;
      this.holdingSinceMs = undefined;
      this.starts = [];
      this.held = false;
      return { kind: 'cleared', value, timeMs };
    }
    if (critical && this.severity !== 'critical') {
      this.severity = 'critical';
      return { kind: 'escalated', severity: 'critical', value, timeMs };
    }
    return holds(rule.raise, value) ? { kind: 'repeated', value, timeMs } : undefined;
  }

  /** Whether the rule, not open, raises at this sample, by its kind. */
  private raises(value: number, timeMs: number): boolean {
    const { rule } = this;
    const holding = holds(rule.raise, value);
    if (rule.kind === 'duration') {
      if (!holding) {
        this.holdingSinceMs = undefined;
        return false;
      }
      this.holdingSinceMs ??= timeMs;
      return timeMs - this.holdingSinceMs >= rule.forSeconds! * 1000;
    }
    if (rule.kind === 'repeating') {
      const began = holding && !this.held;
      this.held = holding;
      if (!began) return false;
      this.starts = [...this.starts.filter((start) => timeMs - start < rule.withinMinutes! * 60_000), timeMs];
      return this.starts.length >= rule.times!;
    }
    return holding;
  }
}
