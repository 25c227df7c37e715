/**
 * The alarms active when the hub started, until their rule meets their subject again: then the
 * rule goes on from the open alarm (updating or clearing it) instead of raising a second one.
 */
import type { Alarm, AlarmStore } from './alarm-store.js';

export class RestoredAlarms {
  private readonly alarms = new Map<string, Alarm>();

  /** Takes the database's active alarms, in place of any taken before. */
  async load(store: AlarmStore): Promise<void> {
    this.alarms.clear();
    for (const alarm of await store.active()) this.alarms.set(`${alarm.subjectKey}\u0000${alarm.ruleId}`, alarm);
  }

  /** The active alarm of this rule on this subject, once: whoever takes it carries it on. */
  take(subjectKey: string, ruleId: string): Alarm | undefined {
    const key = `${subjectKey}\u0000${ruleId}`;
    const alarm = this.alarms.get(key);
    this.alarms.delete(key);
    return alarm;
  }
}
