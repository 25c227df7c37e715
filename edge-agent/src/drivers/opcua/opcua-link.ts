/**
 * One connection to an OPC UA server: a client (secure channel) and one session, the server's
 * namespace array and operation limits of this server run, and a promise that settles with the
 * reason when the link breaks (connection lost, keep-alive failed, session closed by the server).
 * A link never reconnects by itself: the driver opens a new one, so what a restarted server
 * holds is always built afresh (session, subscription, node ids).
 */
import { readFileSync } from 'node:fs';
import { errorMessage, type Logger } from '@davy/runtime';
import type { ClientSession, OPCUAClient, UserIdentityInfo } from 'node-opcua-client';
import { loadOpcua, type OpcuaLibrary } from './opcua-library.js';
import type { OpcuaDevice } from './opcua-device.js';

/** Server operation limits this link respects (0 in the server: no limit; we still chunk). */
export interface OperationLimits {
  maxNodesPerRead: number;
  maxMonitoredItemsPerCall: number;
  maxNodesPerTranslate: number;
}

const defaultChunk = 1000;

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
   * there, and that costs one request.
   */
  static async open(spec: OpcuaDevice, log: Logger, options: { keepAlive: boolean; orphan?: ClientSession }): Promise<OpcuaLink> {
    const library = await loadOpcua();
    const { opcua } = library;
    const identity = userIdentity(opcua, spec);
    const certificates = library.certificateManager(spec.pkiDir, spec.trust.kind === 'auto');
    await certificates.initialize();
    if (spec.trust.kind === 'file') await certificates.trustCertificate(certificateDer(spec.trust.file));
    const client = opcua.OPCUAClient.create({
      applicationName: 'davy-agent',
      clientName: `davy-agent/${spec.name}`,
      clientCertificateManager: certificates,
      securityMode: opcua.MessageSecurityMode[spec.securityMode],
      securityPolicy: opcua.SecurityPolicy[spec.securityPolicy],
      // Servers often advertise a host name the gateway cannot resolve (or a NAT'd address).
      endpointMustExist: false,
      // The driver reconnects, with its own backoff and a fresh session: never the client.
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      keepSessionAlive: options.keepAlive,
      keepAliveInterval: spec.keepAliveMs,
      requestedSessionTimeout: spec.sessionTimeoutMs,
      defaultTransactionTimeout: spec.timeoutMs,
      transportTimeout: spec.connectTimeoutMs,
      // A session of a dead channel is not closed over it (that would wait out a timeout).
      keepPendingSessionsOnDisconnect: true,
    });
    let session: ClientSession | undefined;
    try {
      await withTimeout(client.connect(spec.endpoint), spec.connectTimeoutMs, `no connection to ${spec.endpoint} within ${spec.connectTimeoutMs} ms`);
      if (options.orphan) await closeOrphan(client, options.orphan, spec.timeoutMs, log);
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
    }
  }

  private watch(): void {
    this.client.on('connection_lost', () => this.break('connection to the server lost'));
    this.client.on('close', (error?: Error | null) => this.break(error ? `connection closed: ${error.message}` : 'connection closed'));
    this.session.on('keepalive_failure', () => this.break(`the server stopped answering (no keep-alive reply within ${this.spec.timeoutMs} ms)`));
    this.session.on('session_closed', (status) => this.break(`the server closed the session (${status.name})`));
  }

  break(reason: string): void {
    if (this.isBroken || this.closed) return;
    this.isBroken = true;
    this.breakWith(reason);
  }

  /** Ends the wait on `broken` without the link being broken, so close() still closes the session cleanly. */
  release(): void {
    this.breakWith('stopped');
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

/** A certificate file, PEM or DER, as DER. */
export function certificateDer(file: string): Buffer {
  const content = readFileSync(file);
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(content.toString('latin1'));
  return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : content;
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

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
