/**
 * A whole Davy path as real processes, for cross-process tests: davy-sim serving a profile,
 * davy-hub on its own SQLite file, davy-agent polling the simulator and streaming to the hub
 * (optionally through a TCP proxy the test can cut). Every process can be killed and started
 * again on the same ports and files.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ManagedProcess, TcpProxy, freePort, tempDir, waitFor } from '@davy/runtime/testing';
import { readAgentStatus } from '../../src/status/read-status.js';

export interface StackOptions {
  /** A profile name or file for the simulated device. */
  profile: string;
  pollInterval: string;
  throughProxy?: boolean;
  /** Extra `uplink:` settings for agent.yaml. */
  uplink?: Record<string, string | number>;
  /** Extra simulator flags, e.g. ['--set', 'reads.kind=reads']. */
  simArgs?: string[];
  /** Extra top-level lines for agent.yaml, e.g. 'deviceHealth: { interval: 1s }'. */
  agentYaml?: string[];
  /** The hub's --store (e.g. a PostgreSQL URL); default its own SQLite file. */
  store?: string;
  /** A NATS server's URL: batches go through its JetStream instead of gRPC. */
  nats?: string;
}

export const gatewayId = 'gw-test';
export const deviceName = 'dev-1';

export class TestStack {
  readonly token = 'davy_test_token_0123456789abcdef0123456789abcdef';
  readonly dir: string;
  readonly remove: () => void;
  sim?: ManagedProcess;
  hub?: ManagedProcess;
  /** Further hubs on the same store and stream (startReplica). */
  readonly replicas: ManagedProcess[] = [];
  agent?: ManagedProcess;
  proxy?: TcpProxy;
  httpPort = 0;
  grpcPort = 0;
  simPort = 0;

  private constructor(readonly options: StackOptions) {
    ({ dir: this.dir, remove: this.remove } = tempDir('davy-stack-'));
  }

  /** Starts the whole path; whatever happens, the test's end stops every process and removes the folder. */
  static async start(options: StackOptions, context: { onTestFinished(cleanup: () => Promise<void>): void }): Promise<TestStack> {
    const stack = new TestStack(options);
    context.onTestFinished(() => stack.stop());
    await stack.startSim();
    stack.grpcPort = await freePort();
    await stack.startHub();
    if (options.throughProxy) {
      stack.proxy = new TcpProxy(stack.grpcPort);
      await stack.proxy.start();
    }
    stack.writeAgentConfig();
    await stack.startAgent();
    return stack;
  }

  get configFile(): string {
    return path.join(this.dir, 'agent.yaml');
  }

  get outboxFile(): string {
    return path.join(this.dir, 'data', 'outbox.db');
  }

  async startSim(): Promise<void> {
    this.sim = ManagedProcess.davy('simulators', ['modbus', '--profile', this.options.profile, '--port', String(this.simPort), ...(this.options.simArgs ?? [])], { name: 'davy-sim' });
    const listening = await this.sim.waitForEvent('modbus.listening');
    this.simPort = listening.port as number;
  }

  async startHub(): Promise<void> {
    this.hub = await this.launchHub('hub', 'davy-hub');
    this.httpPort = (await this.hub.waitForEvent('http.listening')).port as number;
  }

  /** Another hub on the same store and NATS stream, with its own data folder and API port. */
  async startReplica(): Promise<ManagedProcess> {
    const replica = await this.launchHub(`hub-replica-${this.replicas.length + 1}`, `davy-hub-replica-${this.replicas.length + 1}`);
    this.replicas.push(replica);
    return replica;
  }

  private async launchHub(dataFolder: string, name: string): Promise<ManagedProcess> {
    const store = this.options.store ? ['--store', this.options.store] : [];
    const transport = this.options.nats ? ['--transport', 'nats', '--nats', this.options.nats] : ['--grpc', `127.0.0.1:${this.grpcPort}`];
    const hub = ManagedProcess.davy('hub', ['start', '--data', path.join(this.dir, dataFolder), '--http', '127.0.0.1:0', ...transport, ...store], {
      name,
      env: { DAVY_HUB_TOKEN: this.token },
    });
    await hub.waitForEvent(this.options.nats ? 'nats.consuming' : 'http.listening', 20_000);
    return hub;
  }

  private writeAgentConfig(): void {
    const hubPort = this.proxy ? this.proxy.port : this.grpcPort;
    const hub = this.options.nats ? `{ transport: nats, address: '${this.options.nats}' }` : `{ address: 127.0.0.1:${hubPort} }`;
    const uplink = { reconnectMin: '200ms', reconnectMax: '2s', ...this.options.uplink };
    const config = [
      `gateway: { id: ${gatewayId}, enterprise: 91350100M000100Y43, site: Test mine }`,
      `hub: ${hub}`,
      `uplink: { ${Object.entries(uplink).map(([key, value]) => `${key}: ${value}`).join(', ')} }`,
      ...(this.options.agentYaml ?? []),
      'devices:',
      `  - { name: ${deviceName}, protocol: modbus-tcp, profile: ${this.options.profile}, host: 127.0.0.1, port: ${this.simPort}, pollInterval: ${this.options.pollInterval}, timeout: 500ms }`,
      '',
    ].join('\n');
    writeFileSync(this.configFile, config);
  }

  async startAgent(): Promise<void> {
    this.agent = ManagedProcess.davy('edge-agent', ['start', '--config', this.configFile], { name: 'davy-agent' });
    await this.agent.waitForEvent('agent.started');
  }

  async api<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1${pathAndQuery}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Every raw point of a series, all pages. */
  async rawPoints(point: string): Promise<Array<{ timeMs: number; value: number | null; quality: string }>> {
    const key = encodeURIComponent(`${gatewayId}/${deviceName}/${point}`);
    const points: Array<{ timeMs: number; value: number | null; quality: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { points: Array<{ timeMs: number; value: number | null; quality: string }>; nextCursor: string | null } = await this.api(
        `/series/history?key=${key}&from=0&to=${Date.now() + 3_600_000}&limit=10000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      points.push(...page.points);
      cursor = page.nextCursor;
    } while (cursor);
    return points;
  }

  /** Waits until the agent's outbox is empty and the hub's watermark is its last number. */
  async waitForDrain(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const status = readAgentStatus(this.outboxFile);
        if (!status || status.outbox.depth > 0) return false;
        const { items } = await this.api<{ items: Array<{ id: string; watermark: number }> }>('/gateways');
        return items.find((gateway) => gateway.id === gatewayId)?.watermark === status.outbox.lastSeq;
      },
      { timeoutMs, intervalMs: 250, what: 'the outbox to drain into the hub' },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.agent?.stop(), this.sim?.stop(), this.hub?.stop(), ...this.replicas.map((replica) => replica.stop())]);
    await this.proxy?.close();
    this.remove();
  }
}
