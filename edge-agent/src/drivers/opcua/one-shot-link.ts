/**
 * One link for one job (`device test`, `device discover`): the agent's certificates, a client
 * and a session opened for it, and all of them closed after it, whatever it ends with.
 */
import type { Logger } from '@davy/runtime';
import { openAgentCertificates, releaseAgentCertificates } from './agent-certificates.js';
import type { OpcuaDevice } from './opcua-device.js';
import { loadOpcua } from './opcua-library.js';
import { OpcuaLink } from './opcua-link.js';

export async function withOneShotLink<T>(spec: OpcuaDevice, log: Logger, job: (link: OpcuaLink) => Promise<T>): Promise<T> {
  const certificates = await openAgentCertificates(await loadOpcua(), spec);
  try {
    const link = await OpcuaLink.open(spec, log, { certificates, keepAlive: false });
    try {
      return await job(link);
    } finally {
      await link.close();
    }
  } finally {
    await releaseAgentCertificates(certificates);
  }
}
