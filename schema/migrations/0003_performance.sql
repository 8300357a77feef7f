-- 0003_performance.sql: what the benchmarks of docs/performance.md found.
--
-- 1. An IN list in a CHECK constraint or in a partial index's WHERE makes
-- SQLite fill a temporary b-tree with the list every time a job row is
-- inserted or updated: half the cost of `msiq import`. Equalities joined by
-- OR mean the same, cost nothing, and still let a query that repeats them
-- (or names one of the states) use the index.
--
-- A CHECK constraint cannot be altered in place, so the job table is rebuilt
-- the way SQLite documents (https://sqlite.org/lang_altertable.html, "making
-- other kinds of table schema changes"): the migration runner turns foreign
-- keys off around this transaction and runs PRAGMA foreign_key_check before
-- it commits (store.c, store_migrate). Every column and every row id is
-- kept, so the rows that refer to jobs stay right.

CREATE TABLE job_rebuilt (
  id               INTEGER PRIMARY KEY,
  state            TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (state = 'queued' OR state = 'running' OR
                          state = 'retrying' OR state = 'succeeded' OR
                          state = 'failed' OR state = 'cancelled'),
  action           TEXT    NOT NULL
                   CHECK (action = 'install' OR action = 'uninstall' OR
                          action = 'patch' OR action = 'repair'),
  target           TEXT    NOT NULL CHECK (target <> ''),
  priority         INTEGER NOT NULL DEFAULT 0,
  not_before       INTEGER,
  deadline         INTEGER,
  max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
  -- Installer timeout in milliseconds; 0 means the dispatcher's default.
  timeout_ms       INTEGER NOT NULL DEFAULT 0 CHECK (timeout_ms >= 0),
  idempotency_key  TEXT,
  log_path         TEXT,
  -- Attempts since the job was last queued (retry starts a new round); the
  -- attempt table keeps every attempt ever made.
  attempts         INTEGER NOT NULL DEFAULT 0,
  exit_code        INTEGER,
  reboot_required  INTEGER NOT NULL DEFAULT 0 CHECK (reboot_required IN (0, 1)),
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  -- When a job in state 'retrying' may start again.
  retry_at         INTEGER,
  -- Set by `cancel --force` on a running job; the dispatcher stops the
  -- installer and records the job as cancelled.
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  CHECK (deadline IS NULL OR not_before IS NULL OR deadline >= not_before)
);

-- The dispatcher's pick: only runnable jobs are in this index, in the order
-- they are taken (highest priority, then oldest), so choosing the next job
-- does not grow with the number of finished jobs.

INSERT INTO job_rebuilt
SELECT id, state, action, target, priority, not_before, deadline,
       max_attempts, timeout_ms, idempotency_key, log_path, attempts,
       exit_code, reboot_required, last_error, created_at, started_at,
       finished_at, retry_at, cancel_requested
  FROM job;

-- The view names the table, so it goes and comes back around the swap.
DROP VIEW job_json;
DROP TABLE job;
ALTER TABLE job_rebuilt RENAME TO job;

-- The indexes of 0001, with OR instead of IN.
CREATE INDEX job_runnable ON job (priority DESC, id)
  WHERE state = 'queued' OR state = 'retrying';

CREATE INDEX job_by_state ON job (state, id);

CREATE INDEX job_deadline ON job (deadline)
  WHERE deadline IS NOT NULL AND (state = 'queued' OR state = 'retrying');

CREATE INDEX job_finished ON job (finished_at)
  WHERE state = 'succeeded' OR state = 'failed' OR state = 'cancelled';

CREATE UNIQUE INDEX job_active_key ON job (idempotency_key)
  WHERE idempotency_key IS NOT NULL
    AND (state = 'queued' OR state = 'running' OR state = 'retrying');

CREATE INDEX job_by_key ON job (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The view of 0001, unchanged.
CREATE VIEW job_json (id, state, json) AS
SELECT j.id, j.state, json_object(
  'id', j.id,
  'state', j.state,
  'action', j.action,
  'target', j.target,
  'properties', json((SELECT json_group_object(p.name, p.value)
                         FROM (SELECT name, value FROM job_property
                                WHERE job_id = j.id ORDER BY position) AS p)),
  'priority', j.priority,
  'attempts', j.attempts,
  'max_attempts', j.max_attempts,
  'timeout_ms', j.timeout_ms,
  'exit_code', j.exit_code,
  'exit_code_rules', json((SELECT json_group_object(e.code, e.outcome)
                              FROM (SELECT code, outcome FROM job_exit_code
                                     WHERE job_id = j.id ORDER BY code) AS e)),
  'reboot_required', json(CASE j.reboot_required WHEN 1 THEN 'true' ELSE 'false' END),
  'not_before', strftime('%Y-%m-%dT%H:%M:%SZ', j.not_before / 1000, 'unixepoch'),
  'deadline', strftime('%Y-%m-%dT%H:%M:%SZ', j.deadline / 1000, 'unixepoch'),
  'after', json((SELECT json_group_array(d.after_id)
                    FROM (SELECT after_id FROM job_dependency
                           WHERE job_id = j.id ORDER BY after_id) AS d)),
  'key', j.idempotency_key,
  'log', j.log_path,
  'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.created_at / 1000, 'unixepoch'),
  'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.started_at / 1000, 'unixepoch'),
  'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.finished_at / 1000, 'unixepoch'),
  'retry_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.retry_at / 1000, 'unixepoch'),
  'cancel_requested', json(CASE j.cancel_requested WHEN 1 THEN 'true' ELSE 'false' END),
  'last_error', j.last_error
) FROM job AS j;


-- 2. Jobs that failed or were cancelled while some job depends on them: the
-- work list of the dispatcher's broken-dependency check, so that check costs
-- nothing when no dependency broke, however many failed jobs the history
-- holds. The triggers fill it from every path that ends a job (the
-- dispatcher, `cancel`, deadlines, recovery) and from a dependency on a job
-- that had already failed; the dispatcher empties it when it has failed the
-- dependents (dispatch_fail_broken_dependencies.sql).
CREATE TABLE dependency_broken (
  after_id INTEGER PRIMARY KEY
);

CREATE TRIGGER job_note_broken_dependency AFTER UPDATE OF state ON job
  WHEN (NEW.state = 'failed' OR NEW.state = 'cancelled')
   AND EXISTS (SELECT 1 FROM job_dependency WHERE after_id = NEW.id)
BEGIN
  INSERT OR IGNORE INTO dependency_broken (after_id) VALUES (NEW.id);
END;

CREATE TRIGGER job_dependency_note_broken AFTER INSERT ON job_dependency
  WHEN (SELECT state = 'failed' OR state = 'cancelled'
          FROM job WHERE id = NEW.after_id)
BEGIN
  INSERT OR IGNORE INTO dependency_broken (after_id) VALUES (NEW.after_id);
END;

-- What a dispatcher of an older version left to its next check.
INSERT OR IGNORE INTO dependency_broken (after_id)
SELECT DISTINCT d.after_id FROM job_dependency AS d JOIN job AS a ON a.id = d.after_id
 WHERE a.state = 'failed' OR a.state = 'cancelled';
