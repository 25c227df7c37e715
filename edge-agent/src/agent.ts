/**
 * A running agent: drivers → point pipeline → outbox → uplink. It also saves its own state
 * (devices, uplink) into the outbox file every few seconds for `davy-agent status`.
 */
import type { Logger } from '@davy/runtime';
import { describeHubLink, type AgentConfig } from './config/load-agent-config.js';
import type { DeviceDriver } from './drivers/driver.js';
import { createDriver } from './drivers/registry.js';
import { Outbox } from './outbox/outbox.js';
import { lockOutbox, type OutboxLock } from './outbox/outbox-lock.js';
import { PointPipeline } from './pipeline/point-pipeline.js';
import { GrpcUplink } from './uplink/grpc/grpc-uplink.js';
import { NatsUplink } from './uplink/nats/nats-uplink.js';
import type { Uplink } from './uplink/uplink.js';

const stateIntervalMs = 2_000;

export interface AgentStateRecord {
  pid: number;
  startedMs: number;
  gateway: string;
  hub: string;
  running: boolean;
}

export class Agent {
  private stateTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private readonly startedMs = Date.now();

  private constructor(
    private readonly config: AgentConfig,
    private readonly lock: OutboxLock,
    private readonly outbox: Outbox,
    private readonly drivers: DeviceDriver[],
    private readonly pipeline: PointPipeline,
    private readonly uplink: Uplink,
    private readonly log: Logger,
  ) {}

  static start(config: AgentConfig, log: Logger): Agent {
    const lock = lockOutbox(config.outbox.path);
    const outbox = Outbox.open(config.outbox.path, { maxBytes: config.outbox.maxBytes, sync: config.outbox.sync, log });
    const pipeline = new PointPipeline(config.gateway.id, config.devices, outbox, log);
    const drivers = config.devices.map((device) => createDriver(device, log));
    const uplink: Uplink =
      config.hub.transport === 'grpc'
        ? new GrpcUplink(config.hub.address, config.gateway, config.uplink, outbox, log)
        : new NatsUplink(config.hub.servers, config.gateway, config.uplink, outbox, log);
    const agent = new Agent(config, lock, outbox, drivers, pipeline, uplink, log);
    const stats = outbox.stats();
    log.info('agent.started', {
      gateway: config.gateway.id,
      devices: drivers.length,
      outbox: config.outbox.path,
      outboxDepth: stats.depth,
      lastSeq: stats.lastSeq,
    });
    for (const driver of drivers) driver.start(pipeline);
    uplink.start();
    agent.saveState(true);
    agent.stateTimer = setInterval(() => agent.saveState(true), stateIntervalMs);
    agent.healthTimer = setInterval(() => agent.reportHealth(), config.deviceHealth.interval);
    return agent;
  }

  async stop(): Promise<void> {
    clearInterval(this.stateTimer);
    clearInterval(this.healthTimer);
    await Promise.all(this.drivers.map((driver) => driver.stop()));
    this.pipeline.flush();
    await this.uplink.stop();
    this.saveState(false);
    this.outbox.close();
    this.lock.release();
    this.log.info('agent.stopped');
  }

  /** Each device's health goes to the hub as a device.health event (GET /api/v1/devices). */
  private reportHealth(): void {
    const timeMs = Date.now();
    for (const driver of this.drivers) {
      const { device, ...health } = driver.health();
      this.pipeline.event(device, { type: 'device.health', timeMs, body: { ...health } });
    }
  }

  private saveState(running: boolean): void {
    const agent: AgentStateRecord = {
      pid: process.pid,
      startedMs: this.startedMs,
      gateway: this.config.gateway.id,
      hub: describeHubLink(this.config.hub),
      running,
    };
    this.outbox.writeState('agent', agent);
    this.outbox.writeState('devices', this.drivers.map((driver) => driver.health()));
    this.outbox.writeState('uplink', this.uplink.status());
  }
}
