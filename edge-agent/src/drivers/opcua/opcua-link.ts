/**
 * One connection to an OPC UA server: a client (secure channel) and one session, the server's
 * namespace array and operation limits of this server run, and a promise that settles with the
 * reason when the link breaks (connection lost, keep-alive failed, session closed by the server).
 * A link never reconnects by itself: the driver opens a new one, so what a restarted server
 * holds is always built afresh (session, subscription, node ids).
 */
import { readFileSync } from 'node:fs';
import { errorMessage, type Logger } from '@davy/runtime';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { ClientSession, OPCUAClient, UserIdentityInfo } from 'node-opcua-client';
import { certificateDer } from './agent-certificates.js';
import { loadOpcua, type OpcuaLibrary } from './opcua-library.js';
import type { OpcuaDevice } from './opcua-device.js';

/** Server operation limits this link respects (0 in the server: no limit; we still chunk). */
export interface OperationLimits {
  maxNodesPerRead: number;
  maxMonitoredItemsPerCall: number;
  maxNodesPerTranslate: number;
}

const defaultChunk = 1000;

export interface LinkOptions {
  /** The agent's certificates, open for as long as the caller makes links (see agent-certificates.ts). */
  certificates: OPCUACertificateManager;
  /** Keep the session alive with reads when quiet (a driver), or not (a one-shot command). */
  keepAlive: boolean;
  orphan?: ClientSession;
  signal?: AbortSignal;
}

/** A failure with the kind health() counts it under. */
export class OpcuaError extends Error {
  constructor(
    readonly kind: 'connection' | 'security' | 'session' | 'timeout' | 'config',
    message: string,
  ) {
    super(message);
  }
}

export class OpcuaLink {
  readonly broken: Promise<string>;
  private breakWith!: (reason: string) => void;
  private isBroken = false;
  private closed = false;

  private constructor(
    readonly library: OpcuaLibrary,
    readonly spec: OpcuaDevice,
    readonly client: OPCUAClient,
    readonly session: ClientSession,
    readonly namespaceArray: string[],
    readonly limits: OperationLimits,
    private readonly log: Logger,
  ) {
    this.broken = new Promise((resolve) => (this.breakWith = resolve));
  }

  /**
   * Connects and opens a session. `orphan`: the session of a link that broke while the server
   * may have lived on (a cut line): it is taken over on the new channel and closed, so the
   * server is not left holding it until it times out. After a server restart it is unknown
   * there, and that costs one request. `signal`: aborted while the channel is being opened, the
   * channel is dropped at once (the server holds nothing of it yet); once the session is asked
   * for, the open runs to its end (within connectTimeout and timeout) and the caller closes the
   * link it gets, so no session is stranded on the server.
   */
  static async open(spec: OpcuaDevice, log: Logger, options: LinkOptions): Promise<OpcuaLink> {
    const library = await loadOpcua();
    const { opcua } = library;
    const identity = userIdentity(opcua, spec);
    const client = createClient(library, spec, options.certificates, options.keepAlive);
    const dropChannel = () => void client.disconnect();
    options.signal?.addEventListener('abort', dropChannel, { once: true });
    let session: ClientSession | undefined;
    try {
      options.signal?.throwIfAborted();
      log.debug('opcua.connecting', { endpoint: spec.endpoint });
      const channel = withTimeout(client.connect(spec.endpoint), spec.connectTimeoutMs, `no connection to ${spec.endpoint} within ${spec.connectTimeoutMs} ms`).then(() =>
        options.orphan ? closeOrphan(client, options.orphan, spec.timeoutMs, log) : undefined,
      );
      await (options.signal ? untilAborted(channel, options.signal) : channel);
      options.signal?.removeEventListener('abort', dropChannel);
      session = await withTimeout(client.createSession(identity), spec.connectTimeoutMs, `no session from ${spec.endpoint} within ${spec.connectTimeoutMs} ms`);
      const namespaceArray = await opcua.readNamespaceArray(session);
      const limits = await readLimits(library, session);
      const link = new OpcuaLink(library, spec, client, session, namespaceArray, limits, log);
      link.watch();
      log.info('opcua.session_created', {
        endpoint: spec.endpoint,
        securityMode: spec.securityMode,
        securityPolicy: spec.securityPolicy,
        auth: spec.auth.type,
        namespaces: namespaceArray.length,
      });
      return link;
    } catch (error) {
      if (session) await session.close(true).catch(() => undefined);
      await withTimeout(client.disconnect(), 2_000, 'disconnect').catch(() => undefined);
      throw describeFailure(error, spec);
    } finally {
      options.signal?.removeEventListener('abort', dropChannel);
    }
  }

  private watch(): void {
    this.client.on('connection_lost', () => this.break('connection to the server lost'));
    this.client.on('close', (error?: Error | null) => this.break(error ? `connection closed: ${error.message}` : 'connection closed'));
    this.session.on('keepalive_failure', () => this.break(`the server stopped answering (no keep-alive reply within ${replyTimeoutMs(this.library, this.spec)} ms)`));
    this.session.on('session_closed', (status) => this.break(`the server closed the session (${status.name})`));
  }

  break(reason: string): void {
    if (this.isBroken || this.closed) return;
    this.isBroken = true;
    this.breakWith(reason);
  }

  /** Closes the session (deleting its subscriptions on the server) and the channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.breakWith('closed');
    if (!this.isBroken) await withTimeout(this.session.close(true), this.spec.timeoutMs, 'close session').catch(() => undefined);
    await withTimeout(this.client.disconnect(), this.spec.timeoutMs, 'disconnect').catch(() => undefined);
  }

  /** After a break: drops the channel and returns the session, for the next link to close on the server. */
  async abandon(): Promise<ClientSession> {
    this.closed = true;
    await withTimeout(this.client.disconnect(), this.spec.timeoutMs, 'disconnect').catch(() => undefined);
    return this.session;
  }
}

/**
 * Closes a session a broken link left on the server when no new link took it over (the driver
 * stopped first), over a channel of its own: within connectTimeout + 2 × timeout. A server that
 * does not answer by then ends it itself after sessionTimeout.
 */
export async function closeOrphanSession(spec: OpcuaDevice, log: Logger, certificates: OPCUACertificateManager, orphan: ClientSession): Promise<void> {
  const client = createClient(await loadOpcua(), spec, certificates, false);
  try {
    await withTimeout(client.connect(spec.endpoint), spec.connectTimeoutMs, `no connection to ${spec.endpoint} within ${spec.connectTimeoutMs} ms`);
    await closeOrphan(client, orphan, spec.timeoutMs, log);
  } catch (error) {
    log.debug('opcua.orphan_session_left', { reason: errorMessage(error), sessionTimeoutMs: spec.sessionTimeoutMs });
  } finally {
    await withTimeout(client.disconnect(), 2_000, 'disconnect').catch(() => undefined);
  }
}

function createClient(library: OpcuaLibrary, spec: OpcuaDevice, certificates: OPCUACertificateManager, keepAlive: boolean): OPCUAClient {
  const { opcua } = library;
  return opcua.OPCUAClient.create({
    applicationName: 'davy-agent',
    clientName: `davy-agent/${spec.name}`,
    clientCertificateManager: certificates,
    securityMode: opcua.MessageSecurityMode[spec.securityMode],
    securityPolicy: opcua.SecurityPolicy[spec.securityPolicy],
    // Servers often advertise a host name the gateway cannot resolve (or a NAT'd address).
    endpointMustExist: false,
    // The driver reconnects, with its own backoff and a fresh session: never the client.
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    keepSessionAlive: keepAlive,
    keepAliveInterval: spec.keepAliveMs,
    requestedSessionTimeout: spec.sessionTimeoutMs,
    defaultTransactionTimeout: spec.timeoutMs,
    // The socket's idle timer is only a backstop: a server that stops answering is found by the
    // keep-alive (in words that say so), never first by an idle socket.
    transportTimeout: Math.max(spec.connectTimeoutMs, 2 * (spec.keepAliveMs + replyTimeoutMs(library, spec))),
    // A session of a dead channel is not closed over it (that would wait out a timeout).
    keepPendingSessionsOnDisconnect: true,
  });
}

/** How long node-opcua waits for a reply: `timeout`, but never less than its own floor (5 s). */
function replyTimeoutMs(library: OpcuaLibrary, spec: OpcuaDevice): number {
  return Math.max(spec.timeoutMs, library.opcua.ClientSecureChannelLayer.minTransactionTimeout);
}

async function closeOrphan(client: OPCUAClient, orphan: ClientSession, timeoutMs: number, log: Logger): Promise<void> {
  try {
    await withTimeout(client.reactivateSession(orphan), timeoutMs, 'reactivate');
    await withTimeout(orphan.close(true), timeoutMs, 'close');
    log.info('opcua.orphan_session_closed', { sessionId: orphan.sessionId.toString() });
  } catch (error) {
    // Expected after a server restart: the server no longer knows the session.
    log.debug('opcua.orphan_session_gone', { reason: errorMessage(error) });
  }
}

function userIdentity(opcua: OpcuaLibrary['opcua'], spec: OpcuaDevice): UserIdentityInfo {
  const auth = spec.auth;
  switch (auth.type) {
    case 'anonymous':
      return { type: opcua.UserTokenType.Anonymous };
    case 'user': {
      const password = process.env[auth.passwordEnv];
      if (password === undefined) {
        throw new OpcuaError('config', `the environment variable ${auth.passwordEnv} (auth.passwordEnv) is not set: export the password of ${auth.username} in it before starting the agent`);
      }
      return { type: opcua.UserTokenType.UserName, userName: auth.username, password };
    }
    case 'certificate':
      return {
        type: opcua.UserTokenType.Certificate,
        certificateData: certificateDer(auth.certificateFile),
        privateKey: readFileSync(auth.privateKeyFile, 'utf8'),
      };
  }
}

async function readLimits(library: OpcuaLibrary, session: ClientSession): Promise<OperationLimits> {
  const { VariableIds, AttributeIds } = library.opcua;
  const ids = [
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerTranslateBrowsePathsToNodeIds,
  ];
  const values = await session.read(ids.map((id) => ({ nodeId: `i=${id}`, attributeId: AttributeIds.Value }))).catch(() => []);
  const limit = (index: number) => {
    const value = values[index]?.statusCode.isGood() ? Number(values[index]!.value.value) : 0;
    return value > 0 ? Math.min(value, defaultChunk) : defaultChunk;
  };
  return { maxNodesPerRead: limit(0), maxMonitoredItemsPerCall: limit(1), maxNodesPerTranslate: limit(2) };
}

/** What went wrong, in words a field engineer can act on. */
export function describeFailure(error: unknown, spec: OpcuaDevice): OpcuaError {
  if (error instanceof OpcuaError) return error;
  const message = errorMessage(error);
  if (/BadCertificateUntrusted|certificate.*(untrusted|not trusted)|BadSecurityChecksFailed|BadCertificate/i.test(message)) {
    return new OpcuaError(
      'security',
      `${message}: either the server refused the agent's certificate (${spec.pkiDir}/own/certs/client_certificate.pem: add it to the server's trusted certificates) ` +
        `or the agent refused the server's (set trustServerCertificate: auto, or move it from ${spec.pkiDir}/rejected/certs to ${spec.pkiDir}/trusted/certs)`,
    );
  }
  if (/PKCS#1 v1\.5|RSA_PKCS1_PADDING|security-revert/i.test(message)) {
    return new OpcuaError('security', `${message}: this Node.js refuses RSA PKCS#1 v1.5 decryption, which only the deprecated Basic128Rsa15 needs; use securityPolicy Basic256Sha256`);
  }
  if (/BadUserAccessDenied|BadIdentityTokenInvalid|BadIdentityTokenRejected|BadUserSignatureInvalid/.test(message)) {
    return new OpcuaError('security', `${message}: the server refused the login (auth.type ${spec.auth.type}); check the user name and password, or the user certificate`);
  }
  if (/timed? ?out|Timeout/i.test(message)) return new OpcuaError('timeout', message);
  if (/BadSession|BadTooManySessions/.test(message)) return new OpcuaError('session', message);
  return new OpcuaError('connection', message);
}

export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OpcuaError('timeout', what)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `work`, or a rejection as soon as `signal` is aborted (the work goes on unwatched: its owner ends it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let stop!: () => void;
  const aborted = new Promise<never>((_, reject) => (stop = () => reject(new OpcuaError('connection', 'stopped while connecting'))));
  signal.addEventListener('abort', stop, { once: true });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', stop));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
