/**
 * One agent per outbox. Two processes on one file would each number records from their own
 * memory and hand the hub the same numbers for different readings. A lock file beside the
 * outbox holds the owner's pid; a lock whose process is gone (killed) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { processIsAlive } from '@davy/runtime';

export class OutboxInUse extends Error {}

export interface OutboxLock {
  release(): void;
}

export function lockOutbox(outboxFile: string): OutboxLock {
  const lockFile = `${outboxFile}.lock`;
  mkdirSync(path.dirname(path.resolve(outboxFile)), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => releaseIfOurs(lockFile) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && processIsAlive(owner)) {
        throw new OutboxInUse(
          `another davy-agent (pid ${owner}) is using the outbox ${outboxFile}: stop it first, or give this agent its own outbox.path ` +
            `(if no agent runs, delete ${lockFile})`,
        );
      }
      unlinkSync(lockFile); // its owner is gone: a killed agent's lock
    }
  }
  throw new OutboxInUse(`cannot lock the outbox ${outboxFile}: ${lockFile} keeps coming back`);
}

function releaseIfOurs(lockFile: string): void {
  try {
    if (Number(readFileSync(lockFile, 'utf8').trim()) === process.pid) unlinkSync(lockFile);
  } catch {
    // Already gone: nothing to release.
  }
}
