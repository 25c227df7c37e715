/**
 * A private QuestDB server for tests and benchmarks: QuestDB's own server jar from Maven
 * Central (there is no Debian package), run by the machine's Java (17 or newer), its data root
 * in a temp folder of its own, every listener on a loopback port picked here. The JVM is one
 * process, our child: a test can SIGKILL it, as a crash does, and run it again on the same
 * ports and data.
 *
 * `pnpm test:peers` (scripts/install-test-peers.sh) puts the jar at `questDbJarPath()`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { ManagedProcess } from './process.js';
import { tempDir, waitFor } from './wait.js';

/** The server version tests run against; scripts/install-test-peers.sh reads it from this line. */
export const QUESTDB_VERSION = '9.3.4';

/** Where scripts/install-test-peers.sh puts the server jar. */
export function questDbJarPath(version = QUESTDB_VERSION): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(cache, 'davy', 'questdb', `questdb-${version}.jar`);
}

export interface TestQuestDbOptions {
  /** More `conf/server.conf` settings (name → value), over the ones set here. */
  settings?: Record<string, string>;
  /** The JVM's maximum heap in MiB (QuestDB keeps its data off the heap). 512 unless given. */
  heapMb?: number;
}

/** `$JAVA_HOME/bin/java`, else the first `java` on PATH, or an error that says how to get one. */
function javaBinary(): string {
  const candidates = [
    ...(process.env.JAVA_HOME ? [path.join(process.env.JAVA_HOME, 'bin', 'java')] : []),
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'java')),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('no java (17 or newer) in $JAVA_HOME/bin or on PATH: install it with "apt-get install -y openjdk-17-jre-headless" (pnpm test:peers does)');
  return found;
}

/** True once the PostgreSQL wire server answers an SSLRequest ('N': no TLS), so its workers are running. */
function pgWireAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), 1_000);
    socket.once('connect', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80_877_103, 4);
      socket.write(request);
    });
    socket.once('data', (reply: Buffer) => done(reply[0] === 0x4e || reply[0] === 0x53));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** True when the minimal HTTP server's health check says "Healthy". */
async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return response.ok && (await response.text()).includes('Healthy');
  } catch {
    return false;
  }
}

/** Four loopback ports that were free a moment ago, no two alike. */
async function fourFreePorts(): Promise<[number, number, number, number]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < 4 && attempt < 40; attempt += 1) ports.add(await freePort());
  const [a, b, c, d] = ports;
  if (d === undefined) throw new Error('could not find 4 distinct free loopback ports');
  return [a!, b!, c!, d];
}

export class TestQuestDb {
  private process?: ManagedProcess;

  private constructor(
    readonly dir: string,
    private readonly removeDir: () => void,
    private readonly java: string,
    private readonly jar: string,
    private readonly heapMb: number,
    readonly pgPort: number,
    readonly httpPort: number,
    readonly ilpPort: number,
    readonly healthPort: number,
  ) {}

  /** A new server, running. */
  static async start(options: TestQuestDbOptions = {}): Promise<TestQuestDb> {
    const jar = questDbJarPath();
    if (!existsSync(jar)) throw new Error(`no QuestDB ${QUESTDB_VERSION} server jar at ${jar}: get it with "pnpm test:peers" (it needs java and mvn)`);
    const java = javaBinary();
    const { dir, remove } = tempDir('davy-questdb-');
    const [pgPort, httpPort, ilpPort, healthPort] = await fourFreePorts();
    const server = new TestQuestDb(dir, remove, java, jar, options.heapMb ?? 512, pgPort, httpPort, ilpPort, healthPort);
    const settings: Record<string, string> = {
      'http.net.bind.to': `127.0.0.1:${httpPort}`,
      'http.min.net.bind.to': `127.0.0.1:${healthPort}`,
      'pg.net.bind.to': `127.0.0.1:${pgPort}`,
      'line.tcp.net.bind.to': `127.0.0.1:${ilpPort}`,
      'line.udp.enabled': 'false',
      'telemetry.enabled': 'false',
      ...options.settings,
    };
    try {
      mkdirSync(path.join(server.root, 'conf'), { recursive: true });
      writeFileSync(path.join(server.root, 'conf', 'server.conf'), Object.entries(settings).map(([name, value]) => `${name}=${value}\n`).join(''));
      await server.run();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** The server's data root (`-d`): conf/, db/ and what QuestDB extracts there. */
  get root(): string {
    return path.join(this.dir, 'root');
  }

  /** A PostgreSQL wire URL with QuestDB's default user, password and database. */
  get pgUrl(): string {
    return `postgres://admin:quest@127.0.0.1:${this.pgPort}/qdb`;
  }

  /** The REST API (`/exec`, `/imp`, `/exp`) and ILP over HTTP (`/write`) share this address. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** A configuration string for QuestDB's ILP clients (`Sender.fromConfig`) over HTTP. */
  get ilpHttpConfig(): string {
    return `http::addr=127.0.0.1:${this.httpPort};`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /**
   * Starts the server (again, after a kill: same ports, same data); resolves when its health
   * check passes and its PostgreSQL wire server answers.
   */
  async run(timeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    const child = new ManagedProcess(
      'questdb',
      this.java,
      // No perf data file: a SIGKILLed JVM would leave it behind in /tmp/hsperfdata_<user>.
      [`-Xmx${this.heapMb}m`, '-XX:+UseParallelGC', '-XX:-UsePerfData', '-p', this.jar, '-m', 'io.questdb/io.questdb.ServerMain', '-d', this.root],
      { cwd: this.dir },
    );
    this.process = child;
    const outcome = await waitFor(async () => (!child.running ? 'exited' : (await healthy(this.healthPort)) && (await pgWireAnswers(this.pgPort)) && 'ready'), {
      what: `QuestDB on port ${this.pgPort}`,
      timeoutMs,
      intervalMs: 50,
    }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last output:\n${child.tail()}`);
    });
    if (outcome === 'exited') {
      const { code, signal } = await child.exited;
      throw new Error(`QuestDB exited (${signal ?? `code ${code}`}) before it was ready; last output:\n${child.tail()}`);
    }
  }

  /** SIGKILL, as a crash: what was committed is in its WAL on disk, applied after the restart. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child) return;
    child.kill('SIGKILL');
    await child.exited;
  }

  /** Stops the server (SIGTERM: QuestDB closes its tables; SIGKILL after 10 s) and removes its folder. */
  async close(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await child?.stop(10_000);
    this.removeDir();
  }

  /** The server's output, for a failing test's message. */
  tail(count?: number): string {
    return this.process?.tail(count) ?? '';
  }
}
