/**
 * A topic as agent.yaml writes it: an MQTT topic filter in which one whole level may be
 * `{device}`, e.g. `chargers/{device}/status`. The agent subscribes to the filter with that
 * level as `+` and takes the device's name from it, so one entry covers every charger that
 * ever publishes there.
 */
export interface TopicPattern {
  readonly text: string;
  /** What is subscribed to. */
  readonly filter: string;
  /** Whether a level names the device. */
  readonly capturesDevice: boolean;
  /** Undefined when the topic does not match; `device` when the pattern captures it. */
  match(topic: string): { device?: string } | undefined;
}

const deviceLevel = '{device}';

export function parseTopicPattern(text: string): TopicPattern | { error: string; fix: string } {
  if (text === '') return { error: 'a topic cannot be empty', fix: 'write a topic like chargers/{device}/status' };
  const levels = text.split('/');
  let captureAt = -1;
  for (const [index, level] of levels.entries()) {
    if (level === deviceLevel) {
      if (captureAt >= 0) return { error: `"${text}" names {device} twice`, fix: 'keep one {device} level' };
      captureAt = index;
    } else if (level.includes('{') || level.includes('}')) {
      return level.includes(deviceLevel)
        ? { error: `"${text}": {device} must be a whole topic level, not part of "${level}"`, fix: 'put {device} between two "/" on its own, e.g. chargers/{device}/status' }
        : { error: `"${text}": "${level}" is not a placeholder; only {device} is`, fix: 'use {device} for the level that names the device, + for any other level' };
    } else if (level === '#') {
      if (index !== levels.length - 1) return { error: `"${text}": # must be the last level`, fix: 'move # to the end, or use + for one level' };
    } else if (level.length > 1 && (level.includes('#') || level.includes('+'))) {
      return { error: `"${text}": + and # must be whole levels, not part of "${level}"`, fix: 'write + or # between two "/" on its own' };
    }
  }
  const filter = levels.map((level) => (level === deviceLevel ? '+' : level)).join('/');
  return {
    text,
    filter,
    capturesDevice: captureAt >= 0,
    match(topic) {
      const parts = topic.split('/');
      for (const [index, level] of levels.entries()) {
        if (level === '#') return matched(parts, captureAt);
        if (index >= parts.length) return undefined;
        if (level !== '+' && level !== deviceLevel && level !== parts[index]) return undefined;
      }
      return parts.length === levels.length ? matched(parts, captureAt) : undefined;
    },
  };
}

function matched(parts: string[], captureAt: number): { device?: string } {
  return captureAt >= 0 ? { device: parts[captureAt] } : {};
}
