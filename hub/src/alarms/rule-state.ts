/**
 * One rule on one series, sample by sample, in time order: raised when `raise` holds, escalated
 * to critical when `escalate` holds, updated by each further sample that meets `raise` while it
 * is open, cleared only when `clear` holds. What changed is returned for the alarm store to
 * keep; the state itself is two numbers and a flag, so thousands of rules stay cheap.
 */
import { holds, type AlarmRule, type Severity } from './rule-tables.js';

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

  constructor(readonly rule: AlarmRule) {}

  evaluate(value: number, timeMs: number): Transition | undefined {
    if (timeMs <= this.lastTimeMs) return undefined;
    this.lastTimeMs = timeMs;
    const { rule } = this;
    const critical = rule.escalate !== undefined && holds(rule.escalate, value);
    if (!this.open) {
      if (!holds(rule.raise, value)) return undefined;
      this.open = true;
      this.severity = critical ? 'critical' : rule.severity;
      return { kind: 'raised', severity: this.severity, value, timeMs };
    }
    if (holds(rule.clear, value)) {
      this.open = false;
      this.severity = null;
      return { kind: 'cleared', value, timeMs };
    }
    if (critical && this.severity !== 'critical') {
      this.severity = 'critical';
      return { kind: 'escalated', severity: 'critical', value, timeMs };
    }
    return holds(rule.raise, value) ? { kind: 'repeated', value, timeMs } : undefined;
  }
}
