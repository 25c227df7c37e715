/**
 * A configuration problem that names the file, the place inside it and the fix. Loaders collect
 * every problem of a file before throwing, so an engineer fixes a file in one pass.
 */
export type ConfigPath = ReadonlyArray<string | number>;

export interface ConfigProblem {
  path: ConfigPath;
  message: string;
  fix?: string;
  /** 1-based line and column in the file, when the place exists there. */
  line?: number;
  col?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(file, problems));
    this.name = 'ConfigError';
  }
}

export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text === '' ? '(top level)' : text;
}

export function formatProblems(file: string, problems: ConfigProblem[]): string {
  return problems
    .map((problem) => {
      const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.col ?? 1}`;
      const head = problem.path.length > 0 ? `${where}: ${formatPath(problem.path)}: ${problem.message}` : `${where}: ${problem.message}`;
      return problem.fix ? `${head}\n  fix: ${problem.fix}` : head;
    })
    .join('\n');
}
