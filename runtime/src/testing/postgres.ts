/**
 * A private PostgreSQL server for tests and benchmarks: Debian's server binaries, a cluster in
 * a temp folder of its own, on a loopback port picked here. The postmaster is this process's
 * child, so a test can SIGKILL the server (the postmaster and every backend, as a crash does)
 * and start it again on the same port and data, and the zombie is ours to reap.
 *
 * initdb refuses to run as root: as root the cluster belongs to the `postgres` user and the
 * server runs as it (CI runs as root); as anyone else it runs as that user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './free-port.js';
import { tempDir } from './wait.js';

const debianServers = '/usr/lib/postgresql';
const readyLine = 'database system is ready to accept connections';

export interface TestPostgresOptions {
  /**
   * Server settings (`-c name=value`). fsync is off unless given: a test kills the server
   * process, never the machine, and what was written reaches the OS either way. Commits stay
   * synchronous, so an acknowledged commit survives a SIGKILL.
   */
  settings?: Record<string, string>;
}

/** The newest Debian PostgreSQL server's bin folder, or an error that says how to get one. */
function serverBin(): string {
  const versions = existsSync(debianServers)
    ? readdirSync(debianServers)
        .filter((name) => existsSync(path.join(debianServers, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server under ${debianServers}/<version>/bin: install it with "apt-get install -y postgresql" (pnpm test:peers does)`);
  }
  return path.join(debianServers, versions[0]!, 'bin');
}

/** As root, the uid and gid to run PostgreSQL as; otherwise none (it runs as the current user). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as: install Debian\'s postgresql package, which creates it');
  }
}

const running = new Set<TestPostgres>();
process.once('exit', () => {
  for (const server of running) server.killNow();
});

export class TestPostgres {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly output: string[] = [];

  private constructor(
    readonly dir: string,
    private readonly removeDir: () => void,
    readonly port: number,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    private readonly settings: Record<string, string>,
  ) {}

  /** A new cluster, initialised but not running (start it with `run`). */
  static async create(options: TestPostgresOptions = {}): Promise<TestPostgres> {
    const bin = serverBin();
    const user = serverUser();
    const { dir, remove } = tempDir('davy-pg-');
    try {
      if (user) chownSync(dir, user.uid, user.gid);
      execFileSync(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], {
        ...user,
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      remove();
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`initdb failed in ${dir}: ${stderr || String(error)}`);
    }
    return new TestPostgres(dir, remove, await freePort(), bin, user, { fsync: 'off', ...options.settings });
  }

  /** A new cluster, running. */
  static async start(options: TestPostgresOptions = {}): Promise<TestPostgres> {
    const server = await TestPostgres.create(options);
    try {
      await server.run();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** A connection URL (user postgres, no password needed: trust on loopback). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (again, after stop or kill: same port, same data); resolves when it accepts connections. */
  async run(timeoutMs = 30_000): Promise<void> {
    if (this.child) return;
    const settings = Object.entries({ listen_addresses: '127.0.0.1', unix_socket_directories: this.dir, ...this.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const child = spawn(path.join(this.bin, 'postgres'), ['-D', path.join(this.dir, 'data'), '-p', String(this.port), ...settings], {
      ...this.user,
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(this);
    this.exited = new Promise((resolve) => {
      child.once('close', () => {
        if (this.child === child) this.child = undefined;
        running.delete(this);
        resolve();
      });
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`PostgreSQL on port ${this.port} not ready within ${timeoutMs} ms; last output:\n${this.tail()}`)), timeoutMs);
      const onLine = (line: string) => {
        if (!line.includes(readyLine)) return;
        clearTimeout(timer);
        resolve();
      };
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL on port ${this.port} exited (${signal ?? `code ${code}`}) before it was ready; last output:\n${this.tail()}`));
      });
      let rest = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          this.output.push(line);
          onLine(line);
        }
        if (this.output.length > 2_000) this.output.splice(0, 1_000);
      });
      child.stdout!.resume();
    });
    await ready;
  }

  /** The server's pids: the postmaster and every backend and helper it forked. */
  private pids(): number[] {
    const postmaster = this.child?.pid;
    if (postmaster === undefined) return [];
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          // Field 4 of /proc/<pid>/stat is the parent; the name in field 2 may hold spaces.
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  }

  /** SIGKILL to the postmaster and all its processes at once, as a crash; resolves once it is gone. */
  async kill(): Promise<void> {
    const exited = this.exited;
    this.killNow();
    await exited;
  }

  killNow(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** A fast shutdown (SIGINT: sessions ended, a checkpoint written); SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = this.exited;
    child.kill('SIGINT');
    const timer = setTimeout(() => this.killNow(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its folder. */
  async close(): Promise<void> {
    await this.stop();
    this.removeDir();
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(this.bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', name], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`createdb ${name} failed: ${stderr.trim()}`))));
    });
    return this.url(name);
  }

  tail(count = 20): string {
    return this.output.slice(-count).join('\n');
  }
}
