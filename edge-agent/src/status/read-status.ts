/**
 * What `davy-agent status` shows, read from the outbox file the running agent writes into
 * (SQLite WAL lets this read while the agent writes). Works when the agent is down, too: it
 * then shows the last state it saved.
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { processIsAlive } from '@davy/runtime';
import type { AgentStateRecord } from '../agent.js';
import type { DeviceHealth } from '../drivers/driver.js';
import type { UplinkStatus } from '../uplink/uplink.js';

export interface AgentStatus {
  outboxPath: string;
  agent: (AgentStateRecord & { alive: boolean; savedMs: number }) | null;
  devices: DeviceHealth[];
  uplink: UplinkStatus | null;
  outbox: { depth: number; oldestTimeMs: number | null; lastSeq: number; droppedTotal: number; fileBytes: number };
}

export function readAgentStatus(outboxPath: string, nowMs = Date.now()): AgentStatus | undefined {
  if (!existsSync(outboxPath)) return undefined;
  const db = new Database(outboxPath, { readonly: true, fileMustExist: true });
  try {
    const state = new Map(
      (db.prepare('SELECT key, value, updated_ms FROM agent_state').all() as Array<{ key: string; value: string; updated_ms: number }>).map((row) => [
        row.key,
        { value: JSON.parse(row.value) as unknown, updatedMs: row.updated_ms },
      ]),
    );
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map((row) => [row.key, row.value]));
    const { depth, oldest } = db.prepare('SELECT COUNT(*) AS depth, MIN(time_ms) AS oldest FROM records').get() as { depth: number; oldest: number | null };
    const agentState = state.get('agent');
    const agent = agentState ? (agentState.value as AgentStateRecord) : undefined;
    return {
      outboxPath,
      agent: agent ? { ...agent, savedMs: agentState!.updatedMs, alive: agent.running && processIsAlive(agent.pid) && nowMs - agentState!.updatedMs < 10_000 } : null,
      devices: (state.get('devices')?.value as DeviceHealth[] | undefined) ?? [],
      uplink: (state.get('uplink')?.value as UplinkStatus | undefined) ?? null,
      outbox: { depth, oldestTimeMs: oldest, lastSeq: Number(meta.get('last_seq') ?? 0), droppedTotal: Number(meta.get('dropped_total') ?? 0), fileBytes: fileBytes(outboxPath) },
    };
  } finally {
    db.close();
  }
}

/** The outbox file with its write-ahead log: what it takes on the gateway's disk. */
function fileBytes(outboxPath: string): number {
  return [outboxPath, `${outboxPath}-wal`].reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0);
}
