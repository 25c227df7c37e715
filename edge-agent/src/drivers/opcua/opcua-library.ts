/**
 * node-opcua, loaded when the first OPC UA driver starts (it takes about a second and 70 MB of
 * modules, which an agent without OPC UA devices should not pay). Its own console messages go
 * into Davy's structured log instead of stdout, where they would break `device test` tables and
 * `device discover` YAML.
 */
import { format } from 'node:util';
import { createLogger } from '@davy/runtime';
import type * as ClientModule from 'node-opcua-client';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';

export type OpcuaClientModule = typeof ClientModule;

export interface OpcuaLibrary {
  opcua: OpcuaClientModule;
  /** A certificate manager on a PKI folder (own/, trusted/, rejected/), created on first use. */
  certificateManager(rootFolder: string, automaticallyAcceptUnknownCertificate: boolean): OPCUACertificateManager;
}

let loading: Promise<OpcuaLibrary> | undefined;

export function loadOpcua(): Promise<OpcuaLibrary> {
  loading ??= (async () => {
    const [opcua, certificates] = await Promise.all([import('node-opcua-client'), import('node-opcua-certificate-manager')]);
    routeLibraryMessages(opcua);
    return {
      opcua,
      certificateManager: (rootFolder, automaticallyAcceptUnknownCertificate) =>
        new certificates.OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate }),
    };
  })();
  return loading;
}

/**
 * node-opcua's warnings become debug events, its errors warn events. W27 (Node 20 refuses RSA
 * PKCS#1 v1.5 decryption) is only a probe's result: Basic256Sha256 uses RSA-OAEP and needs no
 * --security-revert flag (see README), so it is not repeated at every start.
 */
export function routeLibraryMessages(opcua: Pick<OpcuaClientModule, 'setWarningLogger' | 'setErrorLogger'>, component = 'node-opcua'): void {
  const log = createLogger({ component });
  const text = (args: unknown[]) => format(...args).trim();
  opcua.setWarningLogger((_context: unknown, ...args: unknown[]) => {
    const message = text(args);
    if (!/W27|security-revert|node version v\d/.test(message)) log.debug('opcua.library_warning', { message });
  });
  opcua.setErrorLogger((_context: unknown, ...args: unknown[]) => log.warn('opcua.library_error', { message: text(args) }));
}
