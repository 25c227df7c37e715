#!/usr/bin/env node
/** davy-hub: the hub's command line. */
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, formatHostPort, parseHostPort, runCli, untilSignal, UsageError, type HostPort, type Logger } from '@davy/runtime';
import { startHub } from '../hub.js';

function hostPortOption(flag: string, what: string): (value: string) => HostPort {
  return (value) => {
    const parsed = parseHostPort(value);
    if (!parsed) throw new UsageError(`${flag} "${value}" is not an address for ${what}; write it as host:port (e.g. 127.0.0.1:8080) or a port`);
    return parsed;
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * The generated token is shown once: on a terminal, printed; otherwise (a service, whose
 * output a journal keeps) written to a file only this user can read, and the file named.
 */
function showGeneratedToken(token: string, dataDir: string, url: string, log: Logger): void {
  if (process.stdout.isTTY) {
    process.stdout.write(
      `\nAPI token (shown only now; keep it, or set DAVY_HUB_TOKEN to choose your own):\n\n  ${token}\n\n` +
        `Try: curl -H "Authorization: Bearer ${token}" ${url}/api/v1/series/latest\n\n`,
    );
    return;
  }
  const file = path.resolve(dataDir, 'api-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log.info('api.token_written', { file, hint: 'read it once and delete the file, or set DAVY_HUB_TOKEN' });
}

const program = new Command('davy-hub')
  .description('Davy hub: ingests gateway batches exactly once, stores time series, serves the REST API')
  .version('0.1.0');

program
  .command('start')
  .description('Start the hub on the embedded default: SQLite in ./data, gRPC and HTTP on loopback')
  .addOption(new Option('--data <dir>', 'folder of the SQLite store').env('DAVY_HUB_DATA').default('./data'))
  .addOption(new Option('--http <host:port>', 'where the REST API listens').env('DAVY_HUB_HTTP').default('127.0.0.1:8080'))
  .addOption(new Option('--grpc <host:port>', 'where gateways connect (gRPC ingest)').env('DAVY_HUB_GRPC').default('127.0.0.1:9090'))
  .addOption(new Option('--allow-remote-ingest', 'let gRPC ingest listen beyond loopback, although gateways do not authenticate yet'))
  .addOption(
    new Option('--sqlite-sync <mode>', 'full: acked batches survive a power cut; normal: faster, may lose the last acked batches on power loss')
      .choices(['full', 'normal'])
      .default('full'),
  )
  .action(async (options: { data: string; http: string; grpc: string; sqliteSync: 'full' | 'normal'; allowRemoteIngest?: boolean }) => {
    const log = createLogger({ component: 'davy-hub' });
    const http = hostPortOption('--http', 'the REST API')(options.http);
    const grpc = hostPortOption('--grpc', 'gRPC ingest')(options.grpc);
    if (!isLoopback(grpc.host) && !options.allowRemoteIngest) {
      throw new UsageError(
        `--grpc ${formatHostPort(grpc)} would take batches from anyone who can reach it: gateways do not authenticate yet. ` +
          'Keep ingest on loopback and bring gateways in over a VPN or SSH tunnel, or add --allow-remote-ingest on a network you trust',
      );
    }
    const hub = await startHub({ dataDir: options.data, http, grpc, envToken: process.env.DAVY_HUB_TOKEN || undefined, sqliteSync: options.sqliteSync, log });
    if (hub.generatedToken) showGeneratedToken(hub.generatedToken, options.data, `http://${formatHostPort({ ...http, port: hub.httpPort })}`, log);
    const signal = await untilSignal();
    log.info('hub.stopping', { signal });
    await hub.close();
  });

await runCli(program);
