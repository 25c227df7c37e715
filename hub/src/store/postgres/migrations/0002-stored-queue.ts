/**
 * Migration 2: the queue of commits whose samples the alarm rules have not taken yet
 * (shared-stored.ts). Hub replicas each store what they receive; one of them, the lead,
 * evaluates every replica's commits from here, in order, and removes each once evaluated.
 */
export const version = 2;

export const sql = `
CREATE TABLE stored_queue (
  commit_id bigint PRIMARY KEY,
  min_time_ms bigint NOT NULL,
  max_time_ms bigint NOT NULL
);
`;
