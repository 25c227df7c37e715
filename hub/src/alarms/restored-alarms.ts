/**
 * The alarms active when the hub started, until their rule meets their subject again: then the
 * rule goes on from the open alarm (updating or clearing it) instead of raising a second one.
 * And for every subject and rule, the time of its newest alarm change: samples up to it were
 * judged already (a lead that took over is handed again what the last one was judging).
 */
import type { Alarm, AlarmStore } from './alarm-store.js';

export class RestoredAlarms {
  private readonly alarms = new Map<string, Alarm>();
  private readonly lastMs = new Map<string, number>();

  /** Takes the database's active alarms, in place of any taken before. */
  async load(store: AlarmStore): Promise<void> {
    this.alarms.clear();
    this.lastMs.clear();
    for (const last of await store.lastTimes()) this.lastMs.set(`${last.subjectKey}\u0000${last.ruleId}`, last.lastMs);
    for (const alarm of await store.active()) this.alarms.set(`${alarm.subjectKey}\u0000${alarm.ruleId}`, alarm);
  }

  /** The active alarm of this rule on this subject, once: whoever takes it carries it on. */
  take(subjectKey: string, ruleId: string): Alarm | undefined {
    const key = `${subjectKey}\u0000${ruleId}`;
    const alarm = this.alarms.get(key);
    this.alarms.delete(key);
    return alarm;
  }

  /** The time of the newest alarm change of this rule on this subject, if it ever raised. */
  judgedUpTo(subjectKey: string, ruleId: string): number | undefined {
    return this.lastMs.get(`${subjectKey}\u0000${ruleId}`);
  }
}
