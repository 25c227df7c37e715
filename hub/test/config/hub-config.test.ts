/**
 * The hub's settings: each from its flag, else its environment variable, else hub.yaml, else
 * the default; a wrong value is an error that names where it came from and the fix. hub.yaml
 * cases sit one folder each under cases/: a hub.yaml and expected.txt, the exact message.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '@davy/runtime';
import { freePort, ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';
import { readHubConfigFile } from '../../src/config/hub-config-file.js';
import { resolveHubSettings, type GivenValue, type SettingName } from '../../src/config/hub-settings.js';

const casesDir = fileURLToPath(new URL('./cases', import.meta.url));

function settingsFrom(yaml: string | undefined, given: Partial<Record<SettingName, GivenValue>> = {}) {
  const { dir, remove } = tempDir('davy-hub-config-');
  try {
    const file = path.join(dir, 'hub.yaml');
    if (yaml !== undefined) writeFileSync(file, yaml);
    return { dir, settings: resolveHubSettings(given, yaml === undefined ? undefined : readHubConfigFile(file), '/work') };
  } finally {
    remove();
  }
}

describe('hub.yaml errors', () => {
  for (const name of readdirSync(casesDir).sort()) {
    it(name, () => {
      const dir = path.join(casesDir, name);
      const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd();
      let message = 'no error';
      try {
        resolveHubSettings({}, readHubConfigFile(path.join(dir, 'hub.yaml')), dir);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message.replaceAll(`${dir}/`, '')).toBe(expected);
    });
  }
});

describe('hub settings', () => {
  it('takes each setting from the flag, else the environment, else hub.yaml, else the default', () => {
    const yaml = 'data: ./from-file\nhttp: 127.0.0.1:8001\ngrpc: 127.0.0.1:9001\nsqliteSync: normal\n';
    const fromFile = settingsFrom(yaml);
    expect(fromFile.settings).toEqual({
      dataDir: path.join(fromFile.dir, 'from-file'),
      http: { host: '127.0.0.1', port: 8001 },
      grpc: { host: '127.0.0.1', port: 9001 },
      store: { engine: 'sqlite', file: path.join(fromFile.dir, 'from-file', 'hub.db') },
      retentionDays: undefined,
      auditRetentionDays: 180,
      sqliteSync: 'normal',
      allowRemoteIngest: false,
      allowPrivateWebhooks: false,
      transports: ['grpc'],
      nats: ['nats://127.0.0.1:4222'],
    });
    const given = { http: { value: '8002', from: 'env' }, grpc: { value: '127.0.0.1:9003', from: 'flag' }, data: { value: 'given', from: 'flag' } } as const;
    expect(settingsFrom(yaml, given).settings).toMatchObject({
      dataDir: '/work/given',
      http: { host: '127.0.0.1', port: 8002 },
      grpc: { host: '127.0.0.1', port: 9003 },
      store: { engine: 'sqlite', file: '/work/given/hub.db' },
      sqliteSync: 'normal',
    });
    expect(settingsFrom(undefined).settings).toEqual({
      dataDir: '/work/data',
      http: { host: '127.0.0.1', port: 8080 },
      grpc: { host: '127.0.0.1', port: 9090 },
      store: { engine: 'sqlite', file: '/work/data/hub.db' },
      retentionDays: undefined,
      auditRetentionDays: 180,
      sqliteSync: 'full',
      allowRemoteIngest: false,
      allowPrivateWebhooks: false,
      transports: ['grpc'],
      nats: ['nats://127.0.0.1:4222'],
    });
  });

  it('lets alarm webhooks go to private addresses only when told so, by flag or hub.yaml', () => {
    expect(settingsFrom('allowPrivateWebhooks: true\n').settings.allowPrivateWebhooks).toBe(true);
    expect(settingsFrom(undefined, { allowPrivateWebhooks: { value: 'true', from: 'flag' } }).settings.allowPrivateWebhooks).toBe(true);
  });

  it('keeps the audit log 180 days unless told longer, and never shorter', () => {
    expect(settingsFrom('auditRetentionDays: 400\n').settings.auditRetentionDays).toBe(400);
    expect(() => settingsFrom(undefined, { auditRetentionDays: { value: '90', from: 'env' } })).toThrow(
      new UsageError('DAVY_HUB_AUDIT_RETENTION_DAYS "90" is not a whole number of days of 180 or more; keep the audit log at least 180 days (Cybersecurity Law art. 21: six months)'),
    );
  });

  it('takes NATS, gRPC or both as transports, and a list of NATS servers; a remote gRPC address matters only with gRPC', () => {
    const { settings } = settingsFrom('transport: nats\nnats: nats://10.0.0.7:4222, nats://10.0.0.8:4222\ngrpc: 0.0.0.0:9090\n');
    expect([settings.transports, settings.nats]).toEqual([['nats'], ['nats://10.0.0.7:4222', 'nats://10.0.0.8:4222']]);
    expect(settingsFrom(undefined, { transport: { value: 'grpc,nats', from: 'flag' } }).settings.transports).toEqual(['grpc', 'nats']);
    const wrong = (given: Partial<Record<SettingName, GivenValue>>) => () => settingsFrom(undefined, given);
    expect(wrong({ transport: { value: 'grpc,kafka', from: 'flag' } })).toThrow(new UsageError('--transport "grpc,kafka" names "kafka", which is not a transport; give grpc, nats, or grpc,nats'));
    expect(wrong({ nats: { value: 'tls://10.0.0.7:4222', from: 'env' } })).toThrow(
      new UsageError('DAVY_HUB_NATS "tls://10.0.0.7:4222" holds "tls://10.0.0.7:4222", which is not nats://host:port; give nats://host:port, several separated by commas'),
    );
    expect(wrong({ nats: { value: 'nats://hub:s3cret@10.0.0.7:4222', from: 'flag' } })).toThrow(
      new UsageError('--nats "nats://hub:***@10.0.0.7:4222" holds a user or password, which would be shown in logs; give nats://host:port without credentials; Davy does not log in to NATS yet, so keep NATS on loopback or a private network'),
    );
  });

  it('takes a PostgreSQL store with its retention, and a remote gRPC address when allowed', () => {
    const { settings } = settingsFrom('store: postgres://davy@db.example:5432/davy\nretentionDays: 400\ngrpc: 0.0.0.0:9090\nallowRemoteIngest: true\n');
    expect(settings).toMatchObject({ store: { engine: 'postgres', url: 'postgres://davy@db.example:5432/davy' }, retentionDays: 400, grpc: { host: '0.0.0.0', port: 9090 }, allowRemoteIngest: true });
    const fromEnv = settingsFrom(undefined, { store: { value: 'postgresql://davy@db/davy', from: 'env' }, retentionDays: { value: '30', from: 'env' } }).settings;
    expect([fromEnv.store, fromEnv.retentionDays]).toEqual([{ engine: 'postgres', url: 'postgresql://davy@db/davy' }, 30]);
  });

  it('takes a QuestDB store with its retention, and refuses a QuestDB location it cannot use', () => {
    const { settings } = settingsFrom('store: questdb://qdb.example:8812?http=9000\nretentionDays: 90\n');
    expect(settings).toMatchObject({ store: { engine: 'questdb', url: 'questdb://qdb.example:8812?http=9000' }, retentionDays: 90 });
    for (const location of ['questdb://', 'questdb://qdb?http=http', 'questdb://qdb:99999', 'questdb://qdb/other', 'questdb://qdb?ilp=9009']) {
      expect(() => settingsFrom(undefined, { store: { value: location, from: 'flag' } }), location).toThrow(/is not a store location; .* or questdb:\/\/HOST\[:PG_PORT\]\[\?http=HTTP_PORT\] for QuestDB$/);
    }
    expect(() => settingsFrom(undefined, { store: { value: 'questdb://qdb', from: 'flag' }, sqliteSync: { value: 'normal', from: 'env' } })).toThrow(
      new UsageError('DAVY_HUB_SQLITE_SYNC normal applies to the SQLite store only; remove it: QuestDB makes commits durable by its own settings (cairo.commit.mode)'),
    );
  });

  it('names the flag or variable of a wrong value, never printing a password', () => {
    const wrong = (given: Partial<Record<SettingName, GivenValue>>) => () => settingsFrom(undefined, given);
    expect(wrong({ store: { value: 'postgres://davy:hunter2@/davy', from: 'flag' } })).toThrow(
      new UsageError(
        '--store "postgres://davy:***@/davy" is not a store location; write sqlite:PATH, postgres://USER@HOST:PORT/DATABASE for PostgreSQL (a password is better kept in PGPASSWORD or ~/.pgpass), or questdb://HOST[:PG_PORT][?http=HTTP_PORT] for QuestDB',
      ),
    );
    expect(wrong({ store: { value: 'postgres://davy@db/davy', from: 'flag' }, retentionDays: { value: '0', from: 'env' } })).toThrow(
      new UsageError('DAVY_HUB_RETENTION_DAYS "0" is not a whole number of days; give the days of raw samples to keep before today, 1 or more; leave it out to keep everything'),
    );
    expect(wrong({ retentionDays: { value: '30', from: 'flag' } })).toThrow(
      new UsageError(
        '--retention-days 30 applies to the PostgreSQL and QuestDB stores, whose raw samples are kept in day partitions; remove it (the SQLite store keeps everything), or give a store postgres://USER@HOST:PORT/DATABASE or questdb://HOST',
      ),
    );
  });
});

describe('davy-hub start --config', () => {
  it('listens where the flag, the environment and hub.yaml say, in that order', async (context) => {
    const { dir, remove } = tempDir('davy-hub-config-');
    context.onTestFinished(remove);
    const [fileHttp, envHttp, flagHttp, fileGrpc, envGrpc] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    writeFileSync(path.join(dir, 'hub.yaml'), `data: ./from-file\nhttp: 127.0.0.1:${fileHttp}\ngrpc: 127.0.0.1:${fileGrpc}\n`);
    const hub = ManagedProcess.davy('hub', ['start', '--config', path.join(dir, 'hub.yaml'), '--http', `127.0.0.1:${flagHttp}`], {
      env: { DAVY_HUB_HTTP: `127.0.0.1:${envHttp}`, DAVY_HUB_GRPC: `127.0.0.1:${envGrpc}`, DAVY_HUB_TOKEN: 'davy_config_test' },
    });
    context.onTestFinished(() => hub.stop());
    expect((await hub.waitForEvent('store.opened')).store).toBe(`sqlite:${path.join(dir, 'from-file', 'hub.db')}`);
    expect((await hub.waitForEvent('grpc.listening')).port).toBe(envGrpc);
    expect((await hub.waitForEvent('http.listening')).port).toBe(flagHttp);
  });

  it('stops with exit code 2 and the file, line, path and fix of each problem', async () => {
    const { code, output } = await runDavy('hub', ['start', '--config', 'hub.yaml'], { cwd: path.join(casesDir, 'every-problem-at-once') });
    expect(code).toBe(2);
    expect(output).toBe(`davy-hub: ${readFileSync(path.join(casesDir, 'every-problem-at-once', 'expected.txt'), 'utf8').trimEnd()}`);
  });
});
