/**
 * A private NATS server with JetStream for tests and benchmarks: Debian's nats-server, its
 * store in a temp folder of its own, on a loopback port picked here. A test may SIGKILL it and
 * run it again on the same port and store (JetStream keeps what it acked).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { acceptsConnections, freePort } from './free-port.js';
import { ManagedProcess } from './process.js';
import { tempDir, waitFor } from './wait.js';

const serverBinary = ['/usr/sbin/nats-server', '/usr/bin/nats-server'];

export class TestNats {
  private process?: ManagedProcess;

  private constructor(
    readonly dir: string,
    private readonly removeDir: () => void,
    readonly port: number,
    private readonly binary: string,
    private readonly configFile?: string,
  ) {}

  /** A new server, running; `maxPayload`: the largest message it takes, in bytes (default 1 MiB). */
  static async start(options: { maxPayload?: number } = {}): Promise<TestNats> {
    const binary = serverBinary.find((candidate) => existsSync(candidate));
    if (!binary) throw new Error(`no nats-server in ${serverBinary.join(' or ')}: install it with "apt-get install -y nats-server" (pnpm test:peers does)`);
    const { dir, remove } = tempDir('davy-nats-');
    let configFile: string | undefined;
    if (options.maxPayload !== undefined) {
      configFile = path.join(dir, 'nats.conf');
      writeFileSync(configFile, `max_payload: ${options.maxPayload}\n`);
    }
    const server = new TestNats(dir, remove, await freePort(), binary, configFile);
    try {
      await server.run();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** Starts the server (again, after a kill: same port, same store); resolves when it takes connections. */
  async run(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const config = this.configFile ? ['-c', this.configFile] : [];
    this.process = new ManagedProcess('nats-server', this.binary, [...config, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', path.join(this.dir, 'store')]);
    await waitFor(() => acceptsConnections(this.port), { what: `nats-server on port ${this.port}`, timeoutMs });
  }

  /** SIGKILL, as a crash: what JetStream acked is on disk, what it had not is gone. */
  async kill(): Promise<void> {
    const process = this.process;
    this.process = undefined;
    if (!process) return;
    process.kill('SIGKILL');
    await process.exited;
  }

  async close(): Promise<void> {
    const process = this.process;
    this.process = undefined;
    await process?.stop();
    this.removeDir();
  }

  /** The server's output, for a failing test's message. */
  tail(): string {
    return this.process?.tail() ?? '';
  }
}
