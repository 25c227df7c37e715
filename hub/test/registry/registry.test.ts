/**
 * The registry on both of its databases — the SQLite file of a SQLite store and the database
 * of a PostgreSQL store (a private server) — with the same SQL: migrations applied once,
 * enterprises and sites kept with their constraints, divisions matched by prefix, a gateway
 * moved between sites in one transaction, audit records chained one after another.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { AcknowledgeError, AlarmStore, type AlarmPoint } from '../../src/alarms/alarm-store.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { openRegistry } from '../../src/registry/open-registry.js';
import { Refusal } from '../../src/refusal.js';
import { onBothRegistries, type RegistryLocation } from './both-registries.js';
import type { Registry } from '../../src/registry/registry.js';

const log = createLogger({ component: 'test', level: 'error' });
const code = '91350100M000100Y43';

function registryContract(engine: string, location: RegistryLocation): void {
  describe(`registry on ${engine}`, () => {
    async function open(): Promise<{ registry: Registry; again: () => Promise<Registry> }> {
      const { store, dataDir } = await location();
      return { registry: await openRegistry(store, dataDir, log), again: () => openRegistry(store, dataDir, log) };
    }

    it('keeps enterprises and sites, refuses doubles and dangling references, and finds sites by division', async () => {
      const { registry, again } = await open();
      await registry.createEnterprise({ code, name: 'Example' });
      await expect(registry.createEnterprise({ code, name: 'Again' })).rejects.toThrow(new Refusal('conflict', 'code', `enterprise ${code} is registered already`));
      const site = (name: string, regionCode: string) => registry.createSite({ enterpriseCode: code, name, kind: 'coal_mine', regionCode, location: null });
      const [a, b] = [await site('A', '140105'), await site('B', '140200')];
      expect([a.id, b.id]).toEqual([1, 2]);
      await expect(site('A', '140100')).rejects.toThrow(new Refusal('conflict', 'name', `enterprise ${code} has a site named "A" already`));
      await expect(registry.createSite({ enterpriseCode: '91110000600037341L', name: 'X', kind: 'other', regionCode: '110101', location: null })).rejects.toThrow(Refusal);
      expect((await registry.sites({ regionCode: '140100' })).map((s) => s.name)).toEqual(['A']);
      expect((await registry.sites({ regionCode: '140000' })).map((s) => s.name)).toEqual(['A', 'B']);
      await registry.assignGateway(a.id, 'gw-1');
      expect((await registry.assignGateway(b.id, 'gw-1')).gateways).toEqual(['gw-1']);
      expect((await registry.site(a.id))!.gateways).toEqual([]);
      await expect(registry.assignGateway(99, 'gw-1')).rejects.toThrow(new Refusal('not-found', 'id', 'there is no site 99'));
      await registry.close();
      // Opened again: the migrations are not applied twice, and everything is there.
      const reopened = await again();
      expect((await reopened.sites()).map((s) => [s.name, s.gateways])).toEqual([['A', []], ['B', ['gw-1']]]);
      // The audit log's chain on the same database: appends at once still chain one after another.
      const audit = new AuditLog(reopened.db);
      await Promise.all(['/a', '/b', '/c'].map((target) => audit.append({ actor: 'admin', role: 'platform_admin', source: '127.0.0.1', action: 'POST /api/v1/sites', target, result: 'ok' })));
      expect(await audit.verify()).toEqual({ intact: true, records: 3, firstId: 1, lastId: 3 });
      await reopened.close();
    });

    it('keeps alarms on a series and on a gateway, raised, cleared and acknowledged, with their history', async () => {
      const { registry } = await open();
      const alarms = new AlarmStore(registry.db);
      const [table] = readRuleTables();
      const connectivity = readRuleTables().find((t) => t.table === 'connectivity')!;
      const [methaneRule, gatewayRule] = [table!.rules[0]!, connectivity.rules.find((rule) => rule.kind === 'gateway_offline')!];
      const series: AlarmPoint = { subject: 'series', subjectKey: 'gw-1/ch4-1/ch4', seriesKey: 'gw-1/ch4-1/ch4', gatewayId: 'gw-1', device: 'ch4-1', metric: 'ch4_concentration', location: 'working_face' };
      const gateway: AlarmPoint = { subject: 'gateway', subjectKey: 'gw-1', seriesKey: null, gatewayId: 'gw-1', device: null, metric: null, location: null };
      const raised = await alarms.apply(undefined, series, table!, methaneRule, { kind: 'raised', severity: 'major', value: 1.2, timeMs: 1_000 });
      expect(await alarms.apply(raised, series, table!, methaneRule, { kind: 'cleared', value: 0.8, timeMs: 2_000 })).toBeUndefined();
      const silent = await alarms.apply(undefined, gateway, connectivity, gatewayRule, { kind: 'raised', severity: 'major', value: 60, timeMs: 3_000 });
      expect(silent).toMatchObject({ id: 2, subject: 'gateway', subjectKey: 'gw-1', seriesKey: null, metric: null, active: true });
      // Two acknowledgements at once (two replicas): one is kept, the other refused.
      const both = await Promise.allSettled([alarms.acknowledge(1, 'admin', 'vented', 4_000), alarms.acknowledge(1, 'other', 'seen', 4_000)]);
      expect(both.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(both.find((result) => result.status === 'rejected')).toMatchObject({ reason: new AcknowledgeError('alarm 1 is acknowledged already') });
      const kept = (both.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<{ acknowledgedBy: string }>).value.acknowledgedBy;
      expect((await alarms.list({ state: 'all', limit: 10 })).map((a) => [a.id, a.subject, a.subjectKey, a.seriesKey, a.device, a.metric, a.active, a.acknowledged, a.worstValue])).toEqual([
        [2, 'gateway', 'gw-1', null, null, null, true, false, 60],
        [1, 'series', 'gw-1/ch4-1/ch4', 'gw-1/ch4-1/ch4', 'ch4-1', 'ch4_concentration', false, true, 1.2],
      ]);
      expect((await alarms.active()).map((a) => a.id)).toEqual([2]);
      expect((await alarms.history(1)).map((h) => [h.what, h.timeMs, h.value, h.actor])).toEqual([
        ['raised', 1_000, 1.2, null],
        ['cleared', 2_000, 0.8, null],
        ['acknowledged', 4_000, null, kept],
      ]);
      await registry.close();
    });
  });
}

onBothRegistries('registry', registryContract);
