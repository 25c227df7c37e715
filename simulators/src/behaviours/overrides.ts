/**
 * `--set POINT.PARAM=VALUE`: tunes a point's behaviour for one run without editing its profile
 * (e.g. `ch4_working_face.everyS=30`, or `counter_point.kind=reads`).
 */
export interface Override {
  point: string;
  param: string;
  /** Numbers as numbers; anything else (a kind, or a typo the validation reports) as text. */
  value: number | string;
  /** As written, for error messages. */
  text: string;
}

export const overrideSyntax = 'POINT.PARAM=VALUE';

/** Throws a RangeError naming the expected form when `text` is not POINT.PARAM=VALUE. */
export function parseOverride(text: string): Override {
  const equals = text.indexOf('=');
  const key = equals < 0 ? text : text.slice(0, equals);
  // Point names may hold dots themselves, so the parameter is what follows the last one.
  const dot = key.lastIndexOf('.');
  if (equals < 0 || dot <= 0 || dot === key.length - 1) {
    throw new RangeError(`"${text}" is not ${overrideSyntax}, e.g. ch4_working_face.peak=2.0 or ch4_working_face.kind=reads`);
  }
  const raw = text.slice(equals + 1).trim();
  const number = Number(raw);
  return { point: key.slice(0, dot), param: key.slice(dot + 1), value: raw !== '' && Number.isFinite(number) ? number : raw, text };
}

/**
 * The block a point runs with: the profile's, with the overrides laid over it. An override that
 * changes the kind starts from an empty block, since the old kind's parameters mean nothing to the new one.
 */
export function overriddenBlock(block: Readonly<Record<string, unknown>>, overrides: readonly Override[]): Record<string, unknown> {
  const kind = overrides.findLast((override) => override.param === 'kind');
  const base = kind && kind.value !== block.kind ? {} : block;
  return { ...base, ...Object.fromEntries(overrides.map((override) => [override.param, override.value])) };
}
