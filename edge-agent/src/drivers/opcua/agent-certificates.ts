/**
 * The agent's certificate folder (own/, trusted/, rejected/) as one node-opcua certificate
 * manager. node-opcua-pki keeps every initialized manager, with its file watchers, in a static
 * registry until it is disposed: so a driver opens one for its whole life (not one per
 * connect), a one-shot command one for its run, and each releases it at the end.
 */
import { readFileSync } from 'node:fs';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { OpcuaDevice } from './opcua-device.js';
import type { OpcuaLibrary } from './opcua-library.js';

export async function openAgentCertificates(library: OpcuaLibrary, spec: OpcuaDevice): Promise<OPCUACertificateManager> {
  const certificates = library.certificateManager(spec.pkiDir, spec.trust.kind === 'auto');
  try {
    await certificates.initialize();
    if (spec.trust.kind === 'file') await certificates.trustCertificate(certificateDer(spec.trust.file));
    return certificates;
  } catch (error) {
    await releaseAgentCertificates(certificates);
    throw error;
  }
}

/**
 * Disposes of the manager for good. Every node-opcua client made with it counts one more use
 * of it and never gives that back, and dispose() only takes one off while any are counted: the
 * clients are gone when this is called, so their counts are dropped first.
 */
export async function releaseAgentCertificates(certificates: OPCUACertificateManager): Promise<void> {
  certificates.referenceCounter = 0;
  await certificates.dispose();
}

/** A certificate file, PEM or DER, as DER. */
export function certificateDer(file: string): Buffer {
  const content = readFileSync(file);
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(content.toString('latin1'));
  return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : content;
}
