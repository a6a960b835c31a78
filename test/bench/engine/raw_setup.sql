-- Raw ceiling: a plain queue table of :n rows, as a minimal task-instance table would
-- look (state, claim and finish times), with a partial index on the queued rows so a
-- claim finds the next batch without scanning what is already done.
SET client_min_messages = warning;
DROP TABLE IF EXISTS raw_q;
CREATE TABLE raw_q (
    id          bigint PRIMARY KEY,
    state       text NOT NULL DEFAULT 'queued',
    claimed_at  timestamptz,
    finished_at timestamptz,
    payload     jsonb NOT NULL DEFAULT '{}'
);
INSERT INTO raw_q (id) SELECT i FROM generate_series(1, :n) i;
CREATE INDEX raw_q_queued ON raw_q (id) WHERE state = 'queued';
VACUUM ANALYZE raw_q;
