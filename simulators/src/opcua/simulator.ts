/**
 * An OPC UA server simulated from device profiles (node-opcua), started in-process (the CLI and
 * tests use this). Each profile's points are variables in the profile's namespace, with their
 * engineering unit (EUInformation) and, where the profile gives one, their EURange; values move
 * with the simulate blocks on every tick, each with a source timestamp. Faults make a point Bad
 * or Uncertain, block the server (it stops answering), or restart it (sessions lost).
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError, createLogger, type Logger } from '@davy/runtime';
import { routeLibraryMessages, type OpcuaProfileDocument } from '@davy/edge-agent/opcua';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import * as opcua from 'node-opcua-client';
import { OPCUAServer, type ServerSession } from 'node-opcua-server';
import { profileBehaviours, type Behaviour, type Override } from '../behaviours/index.js';
import { resolveProfile } from '../profile-reference.js';
import type { Fault } from './faults.js';
import { pointPlace, rawValue } from './served-point.js';

routeLibraryMessages(opcua, 'davy-sim');

export interface OpcuaSimulatorOptions {
  /** Bundled profile names, profile files, or loaded profiles: one server serves them all. */
  profiles: ReadonlyArray<string | DeviceProfile>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** How often values move on; default 100 ms. */
  tickMs?: number;
  overrides?: readonly Override[];
  faults?: readonly Fault[];
  /** Namespaces registered before the devices' (a server whose namespace indexes moved). */
  extraNamespaces?: number;
  /** false: CreateSubscription is refused (BadTooManySubscriptions), as by a server that only answers reads. */
  subscriptions?: boolean;
  /** The MaxMonitoredItemsPerCall the server advertises and enforces; default node-opcua's. */
  maxMonitoredItemsPerCall?: number;
  /** Monitored items a subscription may hold: a CreateMonitoredItems call that would take it past them is refused as a whole (BadTooManyMonitoredItems). */
  maxMonitoredItems?: number;
  /** A user/password login instead of anonymous. */
  user?: { name: string; password: string };
  /** The server's certificates; default <tmp>/davy-sim-opcua-pki. */
  pkiDir?: string;
  logger?: Logger;
  random?: () => number;
}

export interface OpcuaSimulator {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  /** The server's certificate file (for a client that trusts it by file). */
  readonly certificateFile: string;
  /** Sessions the server holds now. */
  sessions(): number;
  /** The engineering value a point was last given; points by name, or PROFILE/POINT where profiles share a name. */
  valueOf(point: string): number;
  setQuality(point: string, quality: 'good' | 'bad' | 'uncertain'): void;
  /** Blocks the server's event loop: connections stay open, nothing is answered. */
  freeze(ms: number): void;
  /** Shuts the server down (every session lost) and starts it again on the same port. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

interface SimulatedPoint {
  document: OpcuaProfileDocument['points'][number];
  profile: DeviceProfile;
  behaviour: Behaviour;
  quality: 'good' | 'bad' | 'uncertain';
  dataType: opcua.DataType;
  variable?: { setValueFromSource(value: opcua.VariantLike, status?: opcua.StatusCode, sourceTimestamp?: Date): void };
}

export const defaultOpcuaTickMs = 100;
const euNamespace = 'http://www.opcfoundation.org/UA/units/un/cefact';

export async function startOpcuaSimulator(options: OpcuaSimulatorOptions): Promise<OpcuaSimulator> {
  const logger = options.logger ?? createLogger({ component: 'davy-sim' });
  const host = options.host ?? '127.0.0.1';
  // 0 until the first start has bound a free port; a restart comes back on that one.
  let port = options.port ?? 0;
  const pkiDir = options.pkiDir ?? path.join(os.tmpdir(), 'davy-sim-opcua-pki');
  const profiles = options.profiles.map((profile) => (typeof profile === 'string' ? resolveProfile(profile) : profile));
  const points = new Map<string, SimulatedPoint>();
  for (const profile of profiles) {
    if (profile.document.protocol !== 'opcua') {
      throw new ConfigError(profile.file, [{ path: ['protocol'], message: `profile ${profile.name} is for ${profile.document.protocol}, not opcua`, fix: 'pick an OPC UA profile (protocol: opcua)' }]);
    }
    const document = profile.document as OpcuaProfileDocument;
    const names = new Set(document.points.map((point) => point.name));
    const behaviours = profileBehaviours(profile, (options.overrides ?? []).filter((override) => names.has(override.point)), options.random);
    document.points.forEach((point, index) => {
      points.set(`${profile.name}/${point.name}`, { document: point, profile, behaviour: behaviours[index]!, quality: 'good', dataType: opcua.DataType[point.dataType ?? 'Double'] });
    });
  }
  const unknown = (options.overrides ?? []).filter((override) => ![...points.values()].some((point) => point.document.name === override.point));
  if (unknown.length > 0) {
    throw new ConfigError(profiles[0]!.file, unknown.map((override) => ({ path: ['points'], message: `--set ${override.text} names no point of the profiles`, fix: `use one of: ${pointNames(points).join(', ')}` })));
  }
  /** A point by its name, or by PROFILE/POINT where profiles share a point name. */
  const pointNamed = (name: string): SimulatedPoint => {
    const found = points.get(name) ?? [...points.values()].filter((point) => point.document.name === name);
    if (!Array.isArray(found)) return found;
    if (found.length === 1) return found[0]!;
    const which = found.length === 0 ? `no point ${name}` : `${found.length} profiles have a point ${name}`;
    throw new RangeError(`${which}; name one of: ${pointNames(points).join(', ')}`);
  };
  for (const fault of options.faults ?? []) if (fault.kind === 'bad' || fault.kind === 'uncertain') pointNamed(fault.point);

  let server: OPCUAServer | undefined;
  let serverCertificateFile = '';
  const startServer = async () => {
    const certificates = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
    const userCertificates = new OPCUACertificateManager({ rootFolder: path.join(pkiDir, 'users'), automaticallyAcceptUnknownCertificate: true });
    await Promise.all([certificates.initialize(), userCertificates.initialize()]);
    const instance = new SimulatedServer(options.maxMonitoredItems, {
      port,
      host,
      hostname: host,
      serverCertificateManager: certificates,
      userCertificateManager: userCertificates,
      securityModes: [opcua.MessageSecurityMode.None, opcua.MessageSecurityMode.Sign, opcua.MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [opcua.SecurityPolicy.None, opcua.SecurityPolicy.Basic256Sha256],
      allowAnonymous: options.user === undefined,
      userManager: options.user ? { isValidUser: (name: string, password: string) => name === options.user!.name && password === options.user!.password } : undefined,
      buildInfo: { productName: 'davy-sim opcua', manufacturerName: 'Davy', productUri: 'urn:davy-sim:opcua', softwareVersion: '0.1.0' },
      serverInfo: { applicationName: { text: 'davy-sim opcua' }, applicationUri: `urn:${os.hostname()}:davy-sim-opcua` },
      disableDiscovery: true,
      ...(options.maxMonitoredItemsPerCall === undefined ? {} : { serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: options.maxMonitoredItemsPerCall } } }),
    });
    await instance.initialize();
    buildAddressSpace(instance, profiles, points, options.extraNamespaces ?? 0);
    if (options.subscriptions === false) instance.engine.serverCapabilities.maxSubscriptionsPerSession = 0;
    instance.on('create_session', (session: ServerSession) => {
      logger.info('opcua.session_created', { sessions: instance.currentSessionCount });
      // The count changes once the subscription is in (or out of) the session's publish engine.
      const logSubscriptions = (event: string) => setImmediate(() => logger.info(event, { subscriptions: instance.currentSubscriptionCount }));
      session.on('new_subscription', () => logSubscriptions('opcua.subscription_created'));
      session.on('subscription_terminated', () => logSubscriptions('opcua.subscription_deleted'));
    });
    instance.on('session_closed', () => {
      // The count drops once the close is done.
      setImmediate(() => logger.info('opcua.session_closed', { sessions: instance.currentSessionCount }));
    });
    await instance.start();
    port = instance.endpoints[0]!.port;
    serverCertificateFile = instance.certificateFile;
    server = instance;
    writeValues(points.values(), 0, false);
  };
  await startServer();

  const startedMs = performance.now();
  const elapsedS = () => (performance.now() - startedMs) / 1000;
  const tickMs = options.tickMs ?? defaultOpcuaTickMs;
  const timer = setInterval(() => writeValues(points.values(), elapsedS(), true), tickMs);
  timer.unref();

  const endpoint = `opc.tcp://${host}:${port}`;
  const simulator: OpcuaSimulator = {
    host,
    port,
    endpoint,
    get certificateFile() {
      return serverCertificateFile;
    },
    sessions: () => server?.currentSessionCount ?? 0,
    valueOf: (name) => pointNamed(name).behaviour.value,
    setQuality(name, quality) {
      const point = pointNamed(name);
      point.quality = quality;
      writeValues([point], elapsedS(), false);
    },
    freeze(ms) {
      logger.info('opcua.frozen', { ms });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      logger.info('opcua.thawed', { ms });
    },
    async restart(downMs) {
      const stopping = server;
      server = undefined;
      await stopping?.shutdown(0);
      for (const point of points.values()) point.variable = undefined;
      logger.info('opcua.stopped_for_restart', { downMs });
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await startServer();
      logger.info('opcua.restarted', { port, endpoint });
    },
    async close() {
      clearInterval(timer);
      for (const fault of faultTimers) clearTimeout(fault);
      await server?.shutdown(0);
      server = undefined;
      logger.info('opcua.stopped', { port });
    },
  };

  const faultTimers = scheduleFaults(simulator, options.faults ?? [], logger);
  logger.info('opcua.listening', {
    host,
    port,
    endpoint,
    profiles: profiles.map((profile) => profile.name),
    points: points.size,
    namespaces: server!.engine.addressSpace!.getNamespaceArray().map((namespace) => namespace.namespaceUri),
    subscriptions: options.subscriptions !== false,
    login: options.user ? 'user' : 'anonymous',
    certificate: serverCertificateFile,
    tickMs,
  });
  return simulator;
}

function writeValues(points: Iterable<SimulatedPoint>, elapsedS: number, advance: boolean): void {
  const now = new Date();
  for (const point of points) {
    if (!point.variable) continue;
    const value = advance ? point.behaviour.advance(elapsedS) : point.behaviour.value;
    const status =
      point.quality === 'bad' ? opcua.StatusCodes.BadSensorFailure : point.quality === 'uncertain' ? opcua.StatusCodes.UncertainLastUsableValue : opcua.StatusCodes.Good;
    point.variable.setValueFromSource({ dataType: point.dataType, value: rawValue(point.document, value) }, status, now);
  }
}

/** Objects and variables of every profile; a point's place follows its node id or browse path. */
function buildAddressSpace(server: OPCUAServer, profiles: readonly DeviceProfile[], points: Map<string, SimulatedPoint>, extraNamespaces: number): void {
  const addressSpace = server.engine.addressSpace!;
  for (let index = 1; index <= extraNamespaces; index++) addressSpace.registerNamespace(`urn:davy-sim:spacer:${index}`);
  const namespaceFor = (uri: string) => addressSpace.getNamespace(uri) ?? addressSpace.registerNamespace(uri);
  for (const profile of profiles) namespaceFor(profileNamespace(profile));
  const objects = new Map<string, opcua.NodeId>();
  const problems: Array<{ file: string; path: Array<string | number>; message: string; fix: string }> = [];
  for (const point of points.values()) {
    const document = point.document;
    const place = pointPlace(document, profileNamespace(point.profile), addressSpace.getNamespaceArray().map((namespace) => namespace.namespaceUri));
    if ('error' in place) {
      const index = (point.profile.document.points as Array<{ name: string }>).findIndex((candidate) => candidate.name === document.name);
      problems.push({ file: point.profile.file, path: ['points', index], message: place.error, fix: 'give the point a nodeId nsu=<uri>;s=<name> or a browse path of plain names' });
      continue;
    }
    const namespace = namespaceFor(place.namespaceUri);
    // Each name along the path is an object (s=Fan1, s=Fan1.Motor), the last the variable.
    let parent = addressSpace.rootFolder.objects.nodeId;
    let organized = true;
    for (let depth = 1; depth < place.names.length; depth++) {
      const key = `${place.namespaceUri} ${place.names.slice(0, depth).join('.')}`;
      let nodeId = objects.get(key);
      if (!nodeId) {
        const object = namespace.addObject({
          browseName: place.names[depth - 1]!,
          nodeId: `s=${place.names.slice(0, depth).join('.')}`,
          ...(organized ? { organizedBy: parent } : { componentOf: parent }),
        });
        nodeId = object.nodeId;
        objects.set(key, nodeId);
      }
      parent = nodeId;
      organized = false;
    }
    const common = {
      browseName: place.names[place.names.length - 1]!,
      nodeId: `s=${place.names.join('.')}`,
      description: document.description,
      dataType: document.dataType ?? 'Double',
      ...(organized ? { organizedBy: parent } : { componentOf: parent }),
    };
    const units = document.unit === '' ? undefined : { namespaceUri: euNamespace, unitId: -1, displayName: { text: document.unit }, description: { text: document.unit } };
    const variable = document.range
      ? (namespace as unknown as AnalogItems).addAnalogDataItem({ ...common, engineeringUnitsRange: document.range, engineeringUnits: units })
      : namespace.addVariable(common);
    if (units && !document.range) {
      namespace.addVariable({
        propertyOf: variable,
        browseName: { name: 'EngineeringUnits', namespaceIndex: 0 },
        typeDefinition: 'PropertyType',
        dataType: 'EUInformation',
        value: { dataType: opcua.DataType.ExtensionObject, value: addressSpace.constructExtensionObject(opcua.coerceNodeId(`i=${opcua.DataTypeIds.EUInformation}`), units) },
      });
    }
    point.variable = variable;
  }
  if (problems.length > 0) throw new ConfigError(problems[0]!.file, problems);
}

/**
 * node-opcua refuses monitored items past its limits one by one (a Bad status per item); some
 * servers refuse the whole CreateMonitoredItems call instead, which is what `maxMonitoredItems` does.
 */
class SimulatedServer extends OPCUAServer {
  constructor(
    private readonly maxMonitoredItems: number | undefined,
    options: ConstructorParameters<typeof OPCUAServer>[0],
  ) {
    super(options);
  }

  protected override _on_CreateMonitoredItemsRequest(...[message, channel]: Parameters<OPCUAServer['_on_CreateMonitoredItemsRequest']>): void {
    const request = message.request as opcua.CreateMonitoredItemsRequest;
    const session = this.engine.getSession(request.requestHeader.authenticationToken);
    const held = session?.getSubscription(request.subscriptionId)?.monitoredItemCount ?? 0;
    if (this.maxMonitoredItems !== undefined && held + (request.itemsToCreate?.length ?? 0) > this.maxMonitoredItems) {
      channel.send_response('MSG', new opcua.ServiceFault({ responseHeader: { serviceResult: opcua.StatusCodes.BadTooManyMonitoredItems } }), message);
      return;
    }
    super._on_CreateMonitoredItemsRequest(message, channel);
  }
}

/** node-opcua's namespaces have addAnalogDataItem; its INamespace type leaves it out. */
interface AnalogItems {
  addAnalogDataItem(options: Record<string, unknown>): ReturnType<ReturnType<NonNullable<OPCUAServer['engine']['addressSpace']>['getOwnNamespace']>['addVariable']>;
}

/** Point names as faults may give them: plain where unique, PROFILE/POINT where not. */
function pointNames(points: Map<string, SimulatedPoint>): string[] {
  const all = [...points.entries()];
  return all.map(([key, point]) => (all.filter(([, other]) => other.document.name === point.document.name).length === 1 ? point.document.name : key));
}

function profileNamespace(profile: DeviceProfile): string {
  return (profile.document as OpcuaProfileDocument).namespace ?? `urn:davy-sim:${profile.name}`;
}

function scheduleFaults(simulator: OpcuaSimulator, faults: readonly Fault[], logger: Logger): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  const at = (ms: number, action: () => void) => timers.push(setTimeout(action, ms));
  for (const fault of faults) {
    at(fault.atMs, () => {
      logger.info('opcua.fault', { fault: fault.text });
      switch (fault.kind) {
        case 'bad':
        case 'uncertain':
          simulator.setQuality(fault.point, fault.kind);
          if (fault.forMs !== undefined) at(fault.forMs, () => simulator.setQuality(fault.point, 'good'));
          break;
        case 'silent':
          simulator.freeze(fault.forMs);
          break;
        case 'restart':
          void simulator.restart(fault.forMs);
      }
    });
  }
  return timers;
}
