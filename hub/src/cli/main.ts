#!/usr/bin/env node
/** davy-hub: the hub's command line. */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, formatHostPort, runCli, untilSignal, type Logger } from '@davy/runtime';
import { readHubConfigFile } from '../config/hub-config-file.js';
import { resolveHubSettings, settingSpecs, type GivenValue, type SettingName } from '../config/hub-settings.js';
import { startHub, type RunningHub } from '../hub.js';

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
  // With a PostgreSQL store nothing else may have made the data folder.
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log.info('api.token_written', { file, hint: 'read it once and delete the file, or set DAVY_HUB_TOKEN' });
}

const program = new Command('davy-hub')
  .description('Davy hub: ingests gateway batches exactly once, stores time series, serves the REST API')
  .version('0.1.0');

const start = program
  .command('start')
  .description('Start the hub: SQLite in ./data by default (or PostgreSQL with --store), gRPC and HTTP on loopback')
  .addOption(new Option('--config <file>', 'hub.yaml with any of the settings below (a flag or variable given as well wins)').env('DAVY_HUB_CONFIG'));
for (const spec of Object.values(settingSpecs)) {
  const option = new Option(spec.flag, spec.description);
  if (spec.env) option.env(spec.env);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  if (spec.choices) option.choices(spec.choices);
  start.addOption(option);
}

start.action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
  // Defaults stay out: a value in hub.yaml comes before them.
  const given: Partial<Record<SettingName, GivenValue>> = {};
  for (const name of Object.keys(settingSpecs) as SettingName[]) {
    const source = command.getOptionValueSource(name);
    const value = options[name];
    if (value !== undefined && (source === 'cli' || source === 'env')) given[name] = { value, from: source === 'cli' ? 'flag' : 'env' };
  }
  const configFile = typeof options.config === 'string' ? readHubConfigFile(options.config) : undefined;
  const settings = resolveHubSettings(given, configFile, process.cwd());
  const log = createLogger({ component: 'davy-hub' });
  const stopping = new AbortController();
  const signal = untilSignal().then((received) => {
    stopping.abort();
    return received;
  });
  let hub: RunningHub;
  try {
    hub = await startHub({
      dataDir: settings.dataDir,
      http: settings.http,
      grpc: settings.grpc,
      transports: settings.transports,
      nats: settings.nats,
      store: settings.store,
      retentionDays: settings.retentionDays,
      sqliteSync: settings.sqliteSync,
      envToken: process.env.DAVY_HUB_TOKEN || undefined,
      log,
      signal: stopping.signal,
    });
  } catch (error) {
    // Stopped while waiting for its store: nothing was started, nothing failed.
    if (!stopping.signal.aborted) throw error;
    log.info('hub.stopping', { signal: await signal });
    return;
  }
  if (hub.generatedToken) showGeneratedToken(hub.generatedToken, settings.dataDir, `http://${formatHostPort({ ...settings.http, port: hub.httpPort })}`, log);
  log.info('hub.stopping', { signal: await signal });
  await hub.close();
});

await runCli(program);
