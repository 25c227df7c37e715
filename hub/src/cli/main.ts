#!/usr/bin/env node
/** davy-hub: the hub's command line. */
import { Command, Option } from 'commander';
import { createLogger, formatHostPort, parseHostPort, runCli, untilSignal, UsageError, type HostPort } from '@davy/runtime';
import { startHub } from '../hub.js';

function hostPortOption(flag: string, what: string): (value: string) => HostPort {
  return (value) => {
    const parsed = parseHostPort(value);
    if (!parsed) throw new UsageError(`${flag} "${value}" is not an address for ${what}; write it as host:port (e.g. 127.0.0.1:8080) or a port`);
    return parsed;
  };
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
  .addOption(
    new Option('--sqlite-sync <mode>', 'full: acked batches survive a power cut; normal: faster, may lose the last acked batches on power loss')
      .choices(['full', 'normal'])
      .default('full'),
  )
  .action(async (options: { data: string; http: string; grpc: string; sqliteSync: 'full' | 'normal' }) => {
    const log = createLogger({ component: 'davy-hub' });
    const http = hostPortOption('--http', 'the REST API')(options.http);
    const grpc = hostPortOption('--grpc', 'gRPC ingest')(options.grpc);
    const hub = await startHub({ dataDir: options.data, http, grpc, envToken: process.env.DAVY_HUB_TOKEN || undefined, sqliteSync: options.sqliteSync, log });
    if (hub.generatedToken) {
      // Printed once, on stdout for the operator, never logged: only its digest is stored.
      process.stdout.write(
        `\nAPI token (shown only now; keep it, or set DAVY_HUB_TOKEN to choose your own):\n\n  ${hub.generatedToken}\n\n` +
          `Try: curl -H "Authorization: Bearer ${hub.generatedToken}" http://${formatHostPort({ ...http, port: hub.httpPort })}/api/v1/series/latest\n\n`,
      );
    }
    const signal = await untilSignal();
    log.info('hub.stopping', { signal });
    await hub.close();
  });

await runCli(program);
