/**
 * YAML config files validated against a zod schema. Every problem is reported with the file,
 * the line and column, the path inside the document, what is wrong and how to fix it.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatPath, type ConfigPath, type ConfigProblem } from './config-error.js';
import { allowedKeysAt, descriptionAt } from './schema-walk.js';

export class YamlFile {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Reads and parses a file; a missing file or a YAML syntax error throws ConfigError. */
  static read(file: string, kind: string): YamlFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message = code === 'ENOENT' ? `${kind} file not found` : `cannot read the ${kind} file (${code ?? String(error)})`;
      throw new ConfigError(file, [{ path: [], message, fix: `check the path, or create the file` }]);
    }
    return YamlFile.parse(file, text);
  }

  static parse(file: string, text: string): YamlFile {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const [syntaxError] = document.errors;
    if (syntaxError) {
      // Only the first: the ones after it are mostly its consequences.
      const position = lines.linePos(syntaxError.pos[0]);
      throw new ConfigError(file, [
        {
          path: [],
          message: `not valid YAML: ${syntaxError.message.split('\n')[0]}`,
          fix: `correct the YAML syntax here or on the line before (indentation, a missing colon or quote)`,
          line: position.line,
          col: position.col,
        },
      ]);
    }
    const data: unknown = document.toJS() ?? {};
    return new YamlFile(file, data, document, lines);
  }

  /** Line and column of a path; for a place that does not exist, its nearest existing parent. */
  locate(path: ConfigPath, preferKey?: string): { line: number; col: number } | undefined {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? this.document.contents : this.document.getIn(path.slice(0, depth), true);
      if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
        if (preferKey !== undefined && depth === path.length && isMap(node)) {
          const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === preferKey);
          const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
          if (keyRange) return this.lines.linePos(keyRange[0]);
        }
        // A key whose value is null has no range of its own: point at its parent instead.
        if (node.range[0] === node.range[1] && depth > 0) continue;
        return this.lines.linePos(node.range[0]);
      }
    }
    return undefined;
  }

  /** A problem placed at its line in this file. */
  problem(path: ConfigPath, message: string, fix?: string, key?: string): ConfigProblem {
    const position = this.locate(path, key);
    return { path, message, fix, line: position?.line, col: position?.col };
  }

  /** Validates the whole document; throws ConfigError listing every problem. */
  validate<T extends z.ZodType>(schema: T, kind: string): z.output<T> {
    const result = schema.safeParse(this.data, { reportInput: true });
    if (result.success) return result.data;
    const problems = result.error.issues.flatMap((issue) => this.explain(schema, issue, kind));
    throw new ConfigError(this.file, problems);
  }

  private explain(schema: z.ZodType, issue: z.core.$ZodIssue, kind: string): ConfigProblem[] {
    const path = issue.path as ConfigPath;
    const about = descriptionAt(schema, path, this.data);
    const what = about ? ` — ${about}` : '';
    const name = formatPath(path);
    switch (issue.code) {
      case 'invalid_type': {
        if (!('input' in issue) || issue.input === undefined) {
          const parent = path.length > 1 ? ` under ${formatPath(path.slice(0, -1))}` : '';
          const key = String(path[path.length - 1] ?? '');
          return [this.problem(path, `required ${issue.expected} is missing`, `add "${key}:"${parent}${what}`)];
        }
        return [this.problem(path, `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`, `set ${name} to ${article(issue.expected)}${what}`)];
      }
      case 'unrecognized_keys': {
        const known = allowedKeysAt(schema, path, this.data);
        return issue.keys.map((key) =>
          this.problem(
            [...path, key],
            `unknown key "${key}"`,
            `remove it or correct its spelling${known.length > 0 ? `; keys allowed here: ${known.join(', ')}` : ''}`,
            key,
          ),
        );
      }
      case 'invalid_value':
        return [this.problem(path, `${describeValue(issue.input)} is not allowed`, `use one of: ${issue.values.map(String).join(', ')}`)];
      case 'invalid_union': {
        const discriminated = issue as typeof issue & { note?: string; discriminator?: string; options?: unknown[] };
        if (discriminated.note === 'No matching discriminator' && discriminated.options) {
          const value = (issue.input as Record<string, unknown> | undefined)?.[discriminated.discriminator ?? ''];
          const message = value === undefined ? `required ${discriminated.discriminator} is missing` : `${describeValue(value)} is not supported`;
          return [this.problem(path, message, `set ${name} to one of: ${discriminated.options.map(String).join(', ')}`)];
        }
        return [this.problem(path, issue.message, `check ${name} against the ${kind} reference in the README`)];
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
        const noun = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
        return [this.problem(path, `${describeValue(issue.input)} is out of range: must be ${bound}${noun ? ` ${noun}` : ''}`, `change ${name}${what}`)];
      }
      case 'invalid_format':
        return [this.problem(path, `${describeValue(issue.input)} is not a valid ${issue.format}`, `change ${name}${what}`)];
      case 'custom': {
        const fix = (issue.params as { fix?: string } | undefined)?.fix;
        return [this.problem(path, issue.message, fix ?? `change ${name}${what}`)];
      }
      default:
        return [this.problem(path, issue.message, `change ${name}${what}`)];
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
