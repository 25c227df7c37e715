/** Migration 1: the hub's tables. Samples and rollups are partitioned by time (see partitions.ts). */
export const version = 1;

export const sql = `
-- Identifiers and names sort and compare byte-wise (COLLATE "C"), as in the SQLite store,
-- whatever the database's locale.

-- A gateway, and the outbox (agent installation) it currently sends from. Ingest locks a
-- gateway's row for the length of its transaction: batches of one gateway serialize on it,
-- also across hub replicas.
CREATE TABLE gateways (
  id text COLLATE "C" PRIMARY KEY,
  enterprise_code text,
  site text,
  outbox_id text COLLATE "C" NOT NULL,
  watermark bigint NOT NULL,
  first_seen_ms bigint NOT NULL,
  last_seen_ms bigint NOT NULL,
  clock_skew_ms bigint
);

-- Every outbox a gateway has sent from, with its own watermark: sequence numbers count
-- within one outbox, so an outbox that comes back continues where it was.
CREATE TABLE outboxes (
  gateway_id text COLLATE "C" NOT NULL,
  outbox_id text COLLATE "C" NOT NULL,
  watermark bigint NOT NULL,
  first_seen_ms bigint NOT NULL,
  last_seen_ms bigint NOT NULL,
  PRIMARY KEY (gateway_id, outbox_id)
);

CREATE TABLE series (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text COLLATE "C" NOT NULL UNIQUE,
  gateway_id text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  point text COLLATE "C" NOT NULL,
  metric text COLLATE "C" NOT NULL,
  unit text NOT NULL,
  interval_ms bigint NOT NULL,
  created_ms bigint NOT NULL
);
CREATE INDEX series_by_gateway ON series (gateway_id, device);
CREATE INDEX series_by_metric ON series (metric);

-- The agent names series by a number local to its outbox; this maps it.
CREATE TABLE outbox_series (
  gateway_id text COLLATE "C" NOT NULL,
  outbox_id text COLLATE "C" NOT NULL,
  local_id bigint NOT NULL,
  series_id integer NOT NULL,
  PRIMARY KEY (gateway_id, outbox_id, local_id)
);

-- Every ingest commit that stored samples, until the fold has added them into the rollups and
-- latest (see rollups.ts). Its id tags the commit's samples; min/max bound their times.
CREATE TABLE fold_queue (
  commit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  min_time_ms bigint NOT NULL,
  max_time_ms bigint NOT NULL,
  samples integer NOT NULL
);

-- One partition per UTC day. Not unique: the watermark alone keeps samples from doubling, and
-- a constraint that could fail would block a gateway's stream instead of storing its batch.
-- commit_id grows with the heap, so a BRIN index finds a commit's rows for the fold almost for free.
CREATE TABLE samples (
  series_id integer NOT NULL,
  time_ms bigint NOT NULL,
  seq bigint NOT NULL,
  value double precision,
  quality smallint NOT NULL,
  received_ms bigint NOT NULL,
  commit_id bigint NOT NULL
) PARTITION BY RANGE (time_ms);
CREATE INDEX samples_by_series_time ON samples (series_id, time_ms, seq);
CREATE INDEX samples_by_commit ON samples USING brin (commit_id) WITH (pages_per_range = 16, autosummarize = on);

-- Good and uncertain samples summed up per bucket by the fold; last is the value of the newest
-- sample, by (time, seq). One partition per UTC day.
CREATE TABLE rollup_1m (
  series_id integer NOT NULL,
  bucket_ms bigint NOT NULL,
  count bigint NOT NULL,
  sum double precision NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  last_time_ms bigint NOT NULL,
  last_seq bigint NOT NULL,
  last double precision NOT NULL,
  PRIMARY KEY (series_id, bucket_ms)
) PARTITION BY RANGE (bucket_ms);

-- The same per hour, one partition per UTC month; kept when retention drops raw days.
CREATE TABLE rollup_1h (LIKE rollup_1m INCLUDING ALL) PARTITION BY RANGE (bucket_ms);

-- The newest sample of each series among the folded commits (a pending commit may hold a newer
-- one). Rewritten at every fold: room in each page lets updates stay in place.
CREATE TABLE latest (
  series_id integer PRIMARY KEY,
  time_ms bigint NOT NULL,
  value double precision,
  quality smallint NOT NULL,
  received_ms bigint NOT NULL
) WITH (fillfactor = 70);

-- json, not jsonb: a body is stored as the gateway sent it, and json takes every string
-- JSON can carry (jsonb refuses \\u0000).
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway_id text COLLATE "C" NOT NULL,
  seq bigint,
  device text COLLATE "C",
  type text COLLATE "C" NOT NULL,
  time_ms bigint NOT NULL,
  received_ms bigint NOT NULL,
  body json NOT NULL
);
CREATE INDEX events_by_time ON events (time_ms);
CREATE INDEX events_by_gateway ON events (gateway_id, time_ms);

-- Each device's last reported state, from its gateway's device.* events.
CREATE TABLE device_status (
  gateway_id text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  state text COLLATE "C" NOT NULL,
  state_since_ms bigint NOT NULL,
  reason text,
  last_good_read_ms bigint,
  reads bigint,
  errors json,
  last_error text,
  reported_ms bigint NOT NULL,
  PRIMARY KEY (gateway_id, device)
);

CREATE TABLE api_tokens (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label text NOT NULL,
  sha256 text NOT NULL UNIQUE,
  created_ms bigint NOT NULL
);
`;
