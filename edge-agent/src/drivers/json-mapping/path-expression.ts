/**
 * Where a value sits in a JSON document: `data.meters[0].kWh`, `$.status.power`,
 * `readings['L1 voltage']`. Parsed once when the profile loads, so a typo is a config error
 * with its file and line, not a bad reading at run time.
 */
export interface PathExpression {
  /** As written in the profile. */
  readonly text: string;
  /** Object keys and array indexes from the document's root. */
  readonly steps: ReadonlyArray<string | number>;
}

export type PathLookup = { found: true; value: unknown } | { found: false; missing: string };

const bareKey = /^[^.[\]'"\s]+/;

/** The parsed path, or why it cannot be one. */
export function parsePath(text: string): PathExpression | { error: string } {
  const steps: Array<string | number> = [];
  let rest = text.trim();
  if (rest === '') return { error: 'a path cannot be empty' };
  if (rest.startsWith('$')) rest = rest.slice(1);
  else {
    const first = bareKey.exec(rest);
    if (!first) return { error: `"${text}" must start with a key or $` };
    steps.push(first[0]);
    rest = rest.slice(first[0].length);
  }
  while (rest !== '') {
    if (rest.startsWith('.')) {
      const key = bareKey.exec(rest.slice(1));
      if (!key) return { error: `"${text}": a "." must be followed by a key (use ['…'] for keys with spaces or dots)` };
      steps.push(key[0]);
      rest = rest.slice(1 + key[0].length);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      steps.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
    if (quoted) {
      steps.push((quoted[1] ?? quoted[2]!).replace(/\\(.)/g, '$1'));
      rest = rest.slice(quoted[0].length);
      continue;
    }
    return { error: `"${text}": cannot read "${rest}" (write .key, [0] or ['key'])` };
  }
  return { text: text.trim(), steps };
}

/** A path written back as text, for messages that say where a value was missing. */
export function formatSteps(steps: ReadonlyArray<string | number>): string {
  return (
    '$' +
    steps
      .map((step) => (typeof step === 'number' ? `[${step}]` : bareKey.exec(step)?.[0] === step ? `.${step}` : `['${step.replace(/['\\]/g, '\\$&')}']`))
      .join('')
  );
}

/** The value at the path, or the shortest prefix of it that the document lacks. */
export function lookupPath(document: unknown, path: PathExpression): PathLookup {
  let current = document;
  for (let i = 0; i < path.steps.length; i++) {
    const step = path.steps[i]!;
    const container = current;
    if (typeof step === 'number' ? Array.isArray(container) && step < container.length : isObject(container) && Object.hasOwn(container, step)) {
      current = (container as Record<string | number, unknown>)[step];
    } else {
      return { found: false, missing: formatSteps(path.steps.slice(0, i + 1)) };
    }
  }
  return { found: true, value: current };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
