/**
 * The raw ceiling of `pnpm bench opcua`: a node-opcua client with one subscription on the same
 * items, counting notifications and doing nothing else (no Davy driver, no pipeline). It uses
 * the library as the driver loads it, with the same publishing and sampling settings.
 */
import { loadOpcua } from '../../edge-agent/src/drivers/opcua/opcua-library.js';
import type { OpcuaDevice } from '../../edge-agent/src/drivers/opcua/opcua-device.js';

export async function bareSubscription(endpoint: string, spec: OpcuaDevice, items: number): Promise<{ readonly notifications: number; close(): Promise<void> }> {
  const { opcua, certificateManager } = await loadOpcua();
  const client = opcua.OPCUAClient.create({
    applicationName: 'davy-bench-bare',
    clientCertificateManager: certificateManager(spec.pkiDir, false),
    securityMode: opcua.MessageSecurityMode.None,
    securityPolicy: opcua.SecurityPolicy.None,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    defaultTransactionTimeout: spec.timeoutMs,
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const namespace = (await opcua.readNamespaceArray(session)).indexOf('urn:davy-bench:load');
  const subscription = await session.createSubscription2({
    requestedPublishingInterval: spec.publishingIntervalMs,
    requestedMaxKeepAliveCount: 10,
    requestedLifetimeCount: 100,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 1,
  });
  const samplingInterval = spec.points[0]!.intervalMs;
  const state = { notifications: 0 };
  for (let start = 0; start < items; start += 1000) {
    const nodes = Array.from({ length: Math.min(1000, items - start) }, (_, i) => ({ nodeId: `ns=${namespace};s=Load.V${start + i}`, attributeId: opcua.AttributeIds.Value }));
    const group = await subscription.monitorItems(nodes, { samplingInterval, queueSize: Math.ceil(spec.publishingIntervalMs / samplingInterval) + 1, discardOldest: true }, opcua.TimestampsToReturn.Both);
    group.on('changed', () => (state.notifications += 1));
  }
  return {
    get notifications() {
      return state.notifications;
    },
    async close() {
      await session.close(true);
      await client.disconnect();
    },
  };
}
