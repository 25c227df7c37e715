/**
 * Alarm rules across hub replicas on one PostgreSQL database. Each replica stores what it
 * receives, and a gateway's batches may go to any of them (NATS), but a rule must see a
 * series' samples in order and in one place, or two replicas would each raise the same alarm
 * and neither clear it. So one replica leads: it holds a session advisory lock on a connection
 * of its own, takes every replica's commits from stored_queue (each commit adds its row there,
 * ingest.ts) in commit order, hands their samples to the rules, and removes the rows in the
 * same transaction once the rules are done — a lead that dies mid-way leaves them for the next,
 * which takes them again (at least once). The others wait and try for the lead every few
 * seconds; the lead's connection breaking ends its lead.
 */
import type pg from 'pg';
import { errorMessage, type Logger } from '@davy/runtime';
import type { SampleRow } from '../batch-records.js';
import type { SharedStoredConsumer, SharedStoredFeed } from '../store.js';
import { advisoryLocks, davyLockKey } from './pool.js';

export interface SharedStoredOptions {
  /** How often a replica that does not lead tries for the lead (default 2 s). */
  retryMs?: number;
  /** How often the lead looks at the queue when no commit of its own wakes it (default 200 ms). */
  pollMs?: number;
  /** Commits taken in one transaction (default 64). */
  commitsPerTake?: number;
}

interface Lead {
  client: pg.PoolClient;
  /** The connection broke (or was ended): the lock went with it. */
  broken: boolean;
  onError: () => void;
}

export class PostgresSharedStored implements SharedStoredFeed {
  private lead?: Lead;
  /**
   * Samples of this replica's commits made while it leads, by commit id, until taken. One taken
   * before it was told of it (read back instead) is dropped after a minute.
   */
  private readonly own = new Map<number, { samples: SampleRow[]; atMs: number }>();
  private following?: Promise<void>;
  private stopped = false;
  /** The wait under way: stop() ends it, and a commit of this replica too while it leads. */
  private waiting?: { end: () => void; wakeable: boolean };
  private readonly retryMs: number;
  private readonly pollMs: number;
  private readonly commitsPerTake: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    options: SharedStoredOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 2_000;
    this.pollMs = options.pollMs ?? 200;
    this.commitsPerTake = options.commitsPerTake ?? 64;
  }

  follow(consumer: SharedStoredConsumer): void {
    this.following = this.run(consumer);
  }

  /**
   * A commit of this replica is in. While this replica leads, its samples are kept until taken,
   * so they need not be read back from the database (with one replica, none ever is), and the
   * lead looks at once instead of at its next poll.
   */
  committed(commitId: number, samples: SampleRow[]): void {
    if (!this.lead || this.lead.broken) return;
    this.own.set(commitId, { samples, atMs: Date.now() });
    if (this.waiting?.wakeable) this.waiting.end();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting?.end();
    await this.following;
    this.giveUpLead();
  }

  private async run(consumer: SharedStoredConsumer): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.lead?.broken) this.endLead(consumer, 'its connection broke');
        if (!this.lead) {
          if (!(await this.takeLead(consumer))) {
            await this.pause(this.retryMs, false);
            continue;
          }
          this.log.info('alarm.lead_taken', { hint: 'this replica evaluates the alarm rules for all of them' });
          await consumer.gained();
        }
        if ((await this.takeCommits(this.lead!, consumer)) === 0) await this.pause(this.pollMs, true);
      } catch (error) {
        this.log.error('alarm.feed_failed', { error: errorMessage(error), hint: `the commits stay queued; tried again in ${this.retryMs} ms` });
        // The database may have gone: the lead's connection with it, or not; either way start over.
        if (this.lead) this.endLead(consumer, errorMessage(error));
        await this.pause(this.retryMs, false);
      }
    }
  }

  private async takeLead(consumer: SharedStoredConsumer): Promise<boolean> {
    const client = await this.pool.connect();
    const lead: Lead = {
      client,
      broken: false,
      // Told at once, so the rules stop writing before another replica takes over.
      onError: () => {
        if (lead.broken) return;
        lead.broken = true;
        if (this.lead === lead) consumer.lost();
      },
    };
    // A checked-out connection that breaks emits here; without a listener it would end the process.
    client.on('error', lead.onError);
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [davyLockKey, advisoryLocks.alarmLead]);
      if (rows[0]?.locked) {
        this.lead = lead;
        return true;
      }
      client.off('error', lead.onError);
      client.release();
      return false;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Gives the lead up and tells the rules, unless its connection's error told them already. */
  private endLead(consumer: SharedStoredConsumer, why: string): void {
    this.log.warn('alarm.lead_lost', { reason: why, hint: 'another replica takes the lead; this one tries again' });
    const told = this.lead?.broken ?? false;
    this.giveUpLead();
    if (!told) consumer.lost();
  }

  /** Ends the lead's session, which releases its lock (a connection destroyed cannot keep it). */
  private giveUpLead(): void {
    if (!this.lead) return;
    const { client } = this.lead;
    this.lead = undefined;
    this.own.clear();
    client.release(true);
  }

  /**
   * Takes the oldest queued commits, hands their samples over, and removes them once handled —
   * on the lead's own connection: if its session ends meanwhile, so does the transaction, and
   * the commits stay queued for the next lead.
   */
  private async takeCommits(lead: Lead, consumer: SharedStoredConsumer): Promise<number> {
    const { client } = lead;
    await client.query('BEGIN');
    try {
      // FOR UPDATE: a lead that follows one still finishing these waits for it.
      const { rows } = await client.query<{ commit_id: number; min_time_ms: number; max_time_ms: number }>(
        'SELECT commit_id, min_time_ms, max_time_ms FROM stored_queue ORDER BY commit_id LIMIT $1 FOR UPDATE',
        [this.commitsPerTake],
      );
      const ids = rows.map((row) => row.commit_id);
      if (rows.length > 0) {
        const others = await this.readOthers(client, rows.filter((row) => !this.own.has(row.commit_id)));
        const samples = ids.flatMap((id) => this.own.get(id)?.samples ?? others.get(id) ?? []);
        if (samples.length > 0) await consumer.deliver(samples);
        await client.query('DELETE FROM stored_queue WHERE commit_id = ANY($1::int8[])', [ids]);
      }
      await client.query('COMMIT');
      for (const id of ids) this.own.delete(id);
      const staleMs = Date.now() - 60_000;
      for (const [id, kept] of this.own) if (kept.atMs < staleMs) this.own.delete(id);
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The samples of commits another replica made (or this one before it led), read back, by commit. */
  private async readOthers(client: pg.PoolClient, commits: Array<{ commit_id: number; min_time_ms: number; max_time_ms: number }>): Promise<Map<number, SampleRow[]>> {
    const byCommit = new Map<number, SampleRow[]>();
    if (commits.length === 0) return byCommit;
    // The time bounds let PostgreSQL look only at the partitions the commits wrote into.
    const { rows } = await client.query<SampleRow & { commitId: number }>(
      `SELECT commit_id AS "commitId", series_id AS "seriesId", time_ms AS "timeMs", seq, value, quality, received_ms AS "receivedMs" FROM samples
       WHERE commit_id = ANY($1::int8[]) AND time_ms >= $2 AND time_ms <= $3 ORDER BY commit_id, time_ms, seq`,
      [commits.map((commit) => commit.commit_id), Math.min(...commits.map((commit) => commit.min_time_ms)), Math.max(...commits.map((commit) => commit.max_time_ms))],
    );
    for (const { commitId, ...sample } of rows) {
      const samples = byCommit.get(commitId);
      if (samples) samples.push(sample);
      else byCommit.set(commitId, [sample]);
    }
    return byCommit;
  }

  /** Waits `ms`; while leading, a commit of this replica ends the wait early. */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiting = { end: done, wakeable };
    }).finally(() => {
      this.waiting = undefined;
    });
  }
}
