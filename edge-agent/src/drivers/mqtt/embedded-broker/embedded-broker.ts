/**
 * The MQTT broker inside the agent (aedes), for devices that push. It listens on loopback
 * unless told otherwise, optionally with TLS (and client certificates when a CA is given),
 * admits only the users its device entries declare, lets each user publish only on the topics
 * of the entries that declare it (by each entry's own rule for that user), and delivers to the
 * agent in-process, with no TCP hop.
 *
 * Devices only publish: a subscription is refused (SUBACK 0x80) unless it is a Sparkplug edge
 * node's to its own commands, so no login reads another device's data or the agent's commands.
 * The broker keeps no session for a device (a persistent session is served as a clean one), so
 * no device makes it queue messages in memory while it is away.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Aedes, AedesPublishPacket, AuthenticateError, Client } from 'aedes';
import { errorMessage, formatHostPort, isLoopbackHost, type HostPort, type Logger } from '@davy/runtime';
import { passwordMatches, type BrokerUser } from './broker-users.js';

export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

/** A device entry served by the broker. */
export interface BrokerTenant {
  /** The entry's name, for logs and conflicts. */
  readonly name: string;
  readonly users: readonly BrokerUser[];
  /** Whether `user` (this entry's record of it) may publish on `topic`: the entry's own topics, its own device's only. */
  mayPublish(topic: string, user: BrokerUser): boolean;
  /** Whether `user` may subscribe to `filter` (a Sparkplug edge node to its own commands). */
  maySubscribe(filter: string, user: BrokerUser): boolean;
  /** A refused login, publish or subscription, for the entry's error counts. */
  refused(kind: 'login-refused' | 'publish-refused' | 'subscribe-refused', message: string): void;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

const badCredentials = 4;

export class EmbeddedBroker {
  private readonly tenants = new Set<BrokerTenant>();
  /** The username each connected client logged in with. */
  private readonly loggedIn = new WeakMap<Client, string>();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: net.Server,
    /** host:port it is bound to, as the socket reports it. */
    readonly address: string,
    private readonly log: Logger,
  ) {}

  /** Listens; rejects (e.g. EADDRINUSE) when it cannot. */
  static async start(listen: HostPort, tlsFiles: TlsFiles | undefined, log: Logger): Promise<EmbeddedBroker> {
    const { Aedes } = await import('aedes');
    const aedes = await Aedes.createBroker({ maxClientsIdLength: 128 });
    const server = tlsFiles
      ? tls.createServer(
          {
            cert: readFileSync(tlsFiles.cert),
            key: readFileSync(tlsFiles.key),
            ...(tlsFiles.ca ? { ca: readFileSync(tlsFiles.ca), requestCert: true, rejectUnauthorized: true } : {}),
          },
          (socket) => aedes.handle(socket),
        )
      : net.createServer((socket) => aedes.handle(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw error;
    }
    const bound = server.address() as net.AddressInfo;
    const broker = new EmbeddedBroker(aedes, server, formatHostPort({ host: bound.address, port: bound.port }), log);
    broker.guard();
    log.info('mqtt.embedded_broker.listening', { address: broker.address, tls: tlsFiles !== undefined, clientCertificates: tlsFiles?.ca !== undefined });
    // agent.yaml said allowPlainText: true (else it would not have loaded); say what that costs.
    if (!tlsFiles && !isLoopbackHost(bound.address)) log.warn('mqtt.embedded_broker.plain_text', { address: broker.address, risk: 'devices\' passwords and data cross the network in clear' });
    return broker;
  }

  /** Adds an entry's users; throws when one of them is already declared with another password. */
  attach(tenant: BrokerTenant): void {
    for (const user of tenant.users) {
      for (const other of this.tenants) {
        const same = other.users.find((candidate) => candidate.username === user.username);
        if (same && !same.digest.equals(user.digest)) {
          throw new Error(`user ${user.username} of the embedded broker on ${this.address} is declared by ${other.name} with another password: give it the same password in both entries, or another username`);
        }
      }
    }
    this.tenants.add(tenant);
  }

  detach(tenant: BrokerTenant): void {
    this.tenants.delete(tenant);
  }

  /** Delivers every message on `filter` to `handler`; returns what stops it. */
  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      handler(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload));
      done();
    };
    await new Promise<void>((resolve) => this.aedes.subscribe(filter, deliver, resolve));
    return () => new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, resolve));
  }

  publish(topic: string, payload: Buffer): void {
    this.aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, (error) => {
      if (error) this.log.warn('mqtt.embedded_broker.publish_failed', { topic, error: errorMessage(error) });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.log.info('mqtt.embedded_broker.stopped', { address: this.address });
  }

  private guard(): void {
    this.aedes.preConnect = (_client, packet, done) => {
      // No session outlives a device's connection: nothing is queued for a device that is away.
      packet.clean = true;
      done(null, true);
    };
    this.aedes.authenticate = (client, username, password, done) => {
      if (username !== undefined && this.passwordChecks(username, password)) {
        this.loggedIn.set(client, username);
        return done(null, true);
      }
      const reason = username === undefined ? 'no username' : `wrong username or password for user ${username}`;
      for (const tenant of this.tenants) tenant.refused('login-refused', `embedded broker ${this.address} refused client ${client.id}: ${reason}`);
      const error = Object.assign(new Error('Bad username or password'), { returnCode: badCredentials }) as AuthenticateError;
      done(error, false);
    };
    this.aedes.authorizePublish = (client, packet, done) => {
      // The agent's own publishes (a Sparkplug rebirth request) come with no client.
      if (client === null) return done(null);
      const username = this.loggedIn.get(client);
      if (this.someTenantAllows(username, (tenant, user) => tenant.mayPublish(packet.topic, user))) return done(null);
      this.refusedBy(username, 'publish-refused', `embedded broker ${this.address}: user ${username ?? '(none)'} may not publish on ${packet.topic}`);
      done(new Error(`not authorized to publish on ${packet.topic}`));
    };
    this.aedes.authorizeSubscribe = (client, subscription, done) => {
      const username = this.loggedIn.get(client);
      if (this.someTenantAllows(username, (tenant, user) => tenant.maySubscribe(subscription.topic, user))) return done(null, subscription);
      this.refusedBy(username, 'subscribe-refused', `embedded broker ${this.address}: user ${username ?? '(none)'} may not subscribe to ${subscription.topic} (devices publish; only a Sparkplug edge node reads its own commands)`);
      // Refused in the SUBACK (0x80); the connection stays.
      done(null, null);
    };
    this.aedes.on('clientError', (client, error) => this.log.debug('mqtt.embedded_broker.client_error', { client: client.id, error: errorMessage(error) }));
    this.server.on('tlsClientError', (error) => this.log.warn('mqtt.embedded_broker.tls_refused', { error: errorMessage(error) }));
  }

  /** A user with one password (attach keeps them equal) may be declared by several entries. */
  private passwordChecks(username: string, password: Buffer | undefined): boolean {
    const user = [...this.tenants].flatMap((tenant) => tenant.users).find((candidate) => candidate.username === username);
    return user !== undefined && passwordMatches(user, password);
  }

  /** Whether an entry that declares `username` allows it, judged with that entry's own record of the user. */
  private someTenantAllows(username: string | undefined, allows: (tenant: BrokerTenant, user: BrokerUser) => boolean): boolean {
    if (username === undefined) return false;
    for (const tenant of this.tenants) {
      const own = tenant.users.find((user) => user.username === username);
      if (own && allows(tenant, own)) return true;
    }
    return false;
  }

  private refusedBy(username: string | undefined, kind: 'publish-refused' | 'subscribe-refused', message: string): void {
    for (const tenant of this.tenants) {
      if (username === undefined || tenant.users.some((user) => user.username === username)) tenant.refused(kind, message);
    }
  }
}
