#!/usr/bin/env node
/** davy-hub: the hub's command line. */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, formatHostPort, runCli, untilSignal, UsageError, type Logger } from '@davy/runtime';
import { readHubConfigFile } from '../config/hub-config-file.js';
import { resolveHubSettings, settingSpecs, type GivenValue, type SettingName } from '../config/hub-settings.js';
import { AuditLog, type KeptHead } from '../audit/audit-log.js';
import { startHub, type RunningHub } from '../hub.js';
import { openRegistry } from '../registry/open-registry.js';

/**
 * A secret the hub made (the API token, the first admin's password) is shown once: on a
 * terminal, printed; otherwise (a service, whose output a journal keeps) written to a file only
 * this user can read, and the file named.
 */
function showOnce(secret: { text: string; file: string; event: string; hint: string }, dataDir: string, log: Logger): void {
  if (process.stdout.isTTY) {
    process.stdout.write(secret.text);
    return;
  }
  const file = path.resolve(dataDir, secret.file);
  // With a PostgreSQL store nothing else may have made the data folder.
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, secret.text, { mode: 0o600 });
  log.info(secret.event, { file, hint: secret.hint });
}

function showGeneratedToken(token: string, dataDir: string, url: string, log: Logger): void {
  const text =
    `\nAPI token (shown only now; keep it, or set DAVY_HUB_TOKEN to choose your own):\n\n  ${token}\n\n` +
    `Try: curl -H "Authorization: Bearer ${token}" ${url}/api/v1/series/latest\n\n`;
  showOnce({ text: process.stdout.isTTY ? text : `${token}\n`, file: 'api-token', event: 'api.token_written', hint: 'read it once and delete the file, or set DAVY_HUB_TOKEN' }, dataDir, log);
}

function showFirstAdmin(admin: { name: string; password: string }, dataDir: string, url: string, log: Logger): void {
  const text =
    `\nFirst admin user "${admin.name}", password (shown only now; it must be changed at the first login):\n\n  ${admin.password}\n\n` +
    `Sign in: curl -X POST -H 'Content-Type: application/json' -d '{"name":"${admin.name}","password":"…"}' ${url}/api/v1/auth/login\n\n`;
  showOnce(
    { text: process.stdout.isTTY ? text : `${admin.password}\n`, file: 'first-admin-password', event: 'api.first_admin_written', hint: `sign in as ${admin.name}, change the password, and delete the file` },
    dataDir,
    log,
  );
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

type CommandOptions = Record<string, string | boolean | undefined>;

/** The settings from the command's flags, the environment and --config, as `start` and `audit verify` read them. */
function settingsOf(options: CommandOptions, command: Command) {
  // Defaults stay out: a value in hub.yaml comes before them.
  const given: Partial<Record<SettingName, GivenValue>> = {};
  for (const name of Object.keys(settingSpecs) as SettingName[]) {
    const source = command.getOptionValueSource(name);
    const value = options[name];
    if (value !== undefined && (source === 'cli' || source === 'env')) given[name] = { value, from: source === 'cli' ? 'flag' : 'env' };
  }
  const configFile = typeof options.config === 'string' ? readHubConfigFile(options.config) : undefined;
  return resolveHubSettings(given, configFile, process.cwd());
}

start.action(async (options: CommandOptions, command: Command) => {
  const settings = settingsOf(options, command);
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
      auditRetentionDays: settings.auditRetentionDays,
      sqliteSync: settings.sqliteSync,
      allowPrivateWebhooks: settings.allowPrivateWebhooks,
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
  const url = `http://${formatHostPort({ ...settings.http, port: hub.httpPort })}`;
  if (hub.generatedToken) showGeneratedToken(hub.generatedToken, settings.dataDir, url, log);
  if (hub.firstAdmin) showFirstAdmin(hub.firstAdmin, settings.dataDir, url, log);
  log.info('hub.stopping', { signal: await signal });
  await hub.close();
});

const verify = program
  .command('audit')
  .description("The audit log in the hub's database")
  .command('verify')
  .description('Check the SM3 hash chain of the audit log: exit 0 when intact, 1 naming the first record edited, inserted or deleted')
  .addOption(new Option('--config <file>', 'hub.yaml, to find the store as the hub does').env('DAVY_HUB_CONFIG'))
  .addOption(new Option('--head <id:hash>', "a record's id and SM3 hash kept outside the database (the hub logs them hourly as audit.head, GET /api/v1/audit?limit=1 gives them): the chain must still hold it"));
for (const name of ['data', 'store'] as const) {
  const spec = settingSpecs[name];
  const option = new Option(spec.flag, spec.description);
  if (spec.env) option.env(spec.env);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  verify.addOption(option);
}
verify.action(async (options: CommandOptions, command: Command) => {
  const settings = settingsOf(options, command);
  const kept = keptHeadOf(options.head);
  const registry = await openRegistry(settings.store, settings.dataDir, createLogger({ component: 'davy-hub', level: 'error' }));
  try {
    const verdict = await new AuditLog(registry.db).verify(kept);
    if (verdict.intact) {
      const span = verdict.records === 0 ? '' : ` (records ${verdict.firstId} to ${verdict.lastId})`;
      const head = kept && !verdict.note ? `, and it holds record ${kept.id} as kept outside` : '';
      process.stdout.write(`audit log intact: ${verdict.records} records${span}, every SM3 link checked${head}\n`);
      if (verdict.note) process.stdout.write(`note: ${verdict.note}\n`);
    } else {
      process.stderr.write(`audit log broken at record ${verdict.id}: ${verdict.reason}\n`);
      process.exitCode = 1;
    }
  } finally {
    await registry.close();
  }
});

/** --head ID:HASH, checked: a wrong one is a usage error naming the form. */
function keptHeadOf(text: unknown): KeptHead | undefined {
  if (text === undefined) return undefined;
  const match = typeof text === 'string' ? /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim()) : null;
  if (!match) throw new UsageError(`--head ${String(text)} is not ID:HASH: give a record's id and its 64-hex-digit SM3 hash, as the hub's audit.head log line shows them`);
  return { id: Number(match[1]), hash: match[2]! };
}

await runCli(program);
