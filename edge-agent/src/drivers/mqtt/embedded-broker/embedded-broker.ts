/**
 * The MQTT broker inside the agent (aedes), for devices that push. It listens on loopback
 * unless told otherwise, optionally with TLS (and client certificates when a CA is given),
 * admits only the users its device entries declare, lets each user publish only on the topics
 * of the entries that declare it, and delivers to the agent in-process, with no TCP hop.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Aedes, AedesPublishPacket, AuthenticateError, Client } from 'aedes';
import { errorMessage, formatHostPort, type HostPort, type Logger } from '@davy/runtime';
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
  /** Whether `user` may publish on `topic`: the entry's own topics, its own device's only. */
  mayPublish(topic: string, user: BrokerUser): boolean;
  /** A refused login or publish, for the entry's error counts. */
  refused(kind: 'login-refused' | 'publish-refused', message: string): void;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

const badCredentials = 4;

export class EmbeddedBroker {
  private readonly tenants = new Set<BrokerTenant>();
  private readonly loggedIn = new WeakMap<Client, BrokerUser>();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: net.Server,
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
    const broker = new EmbeddedBroker(aedes, server, formatHostPort({ host: listen.host, port: bound.port }), log);
    broker.guard();
    log.info('mqtt.embedded_broker.listening', { address: broker.address, tls: tlsFiles !== undefined, clientCertificates: tlsFiles?.ca !== undefined });
    return broker;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get tenantCount(): number {
    return this.tenants.size;
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
    this.aedes.authenticate = (client, username, password, done) => {
      const user = this.userFor(username, password);
      if (user) {
        this.loggedIn.set(client, user);
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
      const user = this.loggedIn.get(client);
      const allowed = user !== undefined && [...this.tenants].some((tenant) => tenant.users.some((u) => u.username === user.username) && tenant.mayPublish(packet.topic, user));
      if (allowed) return done(null);
      for (const tenant of this.tenants) {
        if (!user || tenant.users.some((u) => u.username === user.username)) tenant.refused('publish-refused', `embedded broker ${this.address}: user ${user?.username ?? '(none)'} may not publish on ${packet.topic}`);
      }
      done(new Error(`not authorized to publish on ${packet.topic}`));
    };
    this.aedes.on('clientError', (client, error) => this.log.debug('mqtt.embedded_broker.client_error', { client: client.id, error: errorMessage(error) }));
    this.server.on('tlsClientError', (error) => this.log.warn('mqtt.embedded_broker.tls_refused', { error: errorMessage(error) }));
  }

  private userFor(username: string | undefined, password: Buffer | undefined): BrokerUser | undefined {
    if (username === undefined) return undefined;
    for (const tenant of this.tenants) {
      const user = tenant.users.find((candidate) => candidate.username === username);
      if (user && passwordMatches(user, password)) return user;
    }
    return undefined;
  }
}
