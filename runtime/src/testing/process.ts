/**
 * Real processes for cross-process tests: a Davy CLI started from source (one node process,
 * so SIGKILL really kills it), its output captured line by line, waits on its JSON log events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

// tsx's loader by absolute URL, so a process started in any folder (a test's temp dir) finds it.
const tsxLoader = pathToFileURL(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx')).href;

export type DavyPackage = 'edge-agent' | 'hub' | 'simulators';

/** node arguments that run a package's CLI from its TypeScript source. */
export function davyCliArgs(pkg: DavyPackage): string[] {
  return ['--conditions=source', '--import', tsxLoader, path.join(repoRoot, pkg, 'src', 'cli', 'main.ts')];
}

export interface LogEvent {
  event: string;
  level: string;
  [key: string]: unknown;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class ManagedProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<(line: string) => void>();
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    this.exited = new Promise((resolve) => {
      // 'close' comes after the output streams ended, so every line has been read by then.
      this.child.once('close', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
      });
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) this.push(line);
      });
      stream.on('end', () => {
        if (rest !== '') this.push(rest);
        rest = '';
      });
    }
  }

  /** A Davy CLI (`davy-agent`, `davy-hub`, `davy-sim`) run from source. */
  static davy(pkg: DavyPackage, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; name?: string } = {}): ManagedProcess {
    return new ManagedProcess(options.name ?? pkg, process.execPath, [...davyCliArgs(pkg), ...args], options);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 20_000) this.lines.splice(0, 10_000);
    for (const listener of this.listeners) listener(line);
  }

  /** Calls `listener` with every line from now on; returns a function that stops it. */
  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  events(): LogEvent[] {
    return this.lines.flatMap((line) => {
      const event = parseEvent(line);
      return event ? [event] : [];
    });
  }

  /** Resolves with the first line (past or future) that matches; rejects on timeout or exit. */
  waitForLine(match: (line: string) => boolean, timeoutMs = 15_000, what = 'a matching line'): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; last output:\n${this.tail()}`)), timeoutMs);
      const listener = (line: string) => {
        if (match(line)) finish(undefined, line);
      };
      const onExit = () => finish(new Error(`${this.name} exited before ${what}; last output:\n${this.tail()}`));
      const finish = (error?: Error, line?: string) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('close', onExit);
        if (error) reject(error);
        else resolve(line!);
      };
      this.listeners.add(listener);
      this.child.once('close', onExit);
    });
  }

  /** Waits for a JSON log event by name (and optional field test). */
  async waitForEvent(event: string, timeoutMs = 15_000, test: (e: LogEvent) => boolean = () => true): Promise<LogEvent> {
    const line = await this.waitForLine(
      (l) => {
        const parsed = parseEvent(l);
        return parsed !== undefined && parsed.event === event && test(parsed);
      },
      timeoutMs,
      `"${event}" event`,
    );
    return parseEvent(line)!;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(count = 30): string {
    return this.lines.slice(-count).join('\n');
  }
}

function parseEvent(line: string): LogEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as LogEvent;
    return typeof value.event === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a CLI to completion and returns its exit code and output. */
export async function runDavy(pkg: DavyPackage, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const child = ManagedProcess.davy(pkg, args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, output: child.lines.join('\n') };
}
