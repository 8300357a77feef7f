-- 0001_initial.sql: the job queue.
--
-- Times are INTEGER milliseconds since the Unix epoch, UTC. Every state
-- change is made with a compare-and-set UPDATE (WHERE id = ? AND state = ?)
-- in a BEGIN IMMEDIATE transaction; see docs/architecture.md.

CREATE TABLE job (
  id               INTEGER PRIMARY KEY,
  state            TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'running', 'retrying',
                                    'succeeded', 'failed', 'cancelled')),
  action           TEXT    NOT NULL
                   CHECK (action IN ('install', 'uninstall', 'patch', 'repair')),
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
CREATE INDEX job_runnable ON job (priority DESC, id)
  WHERE state IN ('queued', 'retrying');

CREATE INDEX job_by_state ON job (state, id);

-- Deadlines of jobs that have not started, checked before every pick.
CREATE INDEX job_deadline ON job (deadline)
  WHERE deadline IS NOT NULL AND state IN ('queued', 'retrying');

CREATE INDEX job_finished ON job (finished_at)
  WHERE state IN ('succeeded', 'failed', 'cancelled');

-- An idempotency key names at most one unfinished job; a finished job's key
-- may be used again.
CREATE UNIQUE INDEX job_active_key ON job (idempotency_key)
  WHERE idempotency_key IS NOT NULL AND state IN ('queued', 'running', 'retrying');

CREATE INDEX job_by_key ON job (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- MSI properties in the order given (msiexec applies them left to right).
CREATE TABLE job_property (
  job_id   INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name     TEXT    NOT NULL,
  value    TEXT    NOT NULL,
  PRIMARY KEY (job_id, position),
  UNIQUE (job_id, name)
) WITHOUT ROWID;

-- `after`: job_id waits until after_id has succeeded.
CREATE TABLE job_dependency (
  job_id   INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  after_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  PRIMARY KEY (job_id, after_id),
  CHECK (job_id <> after_id)
) WITHOUT ROWID;

CREATE INDEX job_dependency_after ON job_dependency (after_id);

-- Per-job overrides of the default exit-code table (`--exit-code CODE=...`).
CREATE TABLE job_exit_code (
  job_id  INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  code    INTEGER NOT NULL,
  outcome TEXT    NOT NULL CHECK (outcome IN ('success', 'reboot', 'retry', 'fail')),
  PRIMARY KEY (job_id, code)
) WITHOUT ROWID;

-- One row per attempt to run the installer, kept for the job's lifetime.
CREATE TABLE attempt (
  job_id      INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  number      INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  exit_code   INTEGER,
  -- NULL while the attempt runs; then one of the outcomes below.
  outcome     TEXT CHECK (outcome IN ('succeeded', 'reboot', 'retry', 'failed',
                                      'timed_out', 'cancelled', 'interrupted')),
  message     TEXT,
  PRIMARY KEY (job_id, number)
) WITHOUT ROWID;

-- The queue itself: a single row saying whether it is paused and why.
CREATE TABLE queue (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  pause_reason     TEXT,
  paused_at        INTEGER,
  -- Set when an installer answered 1641 (it started a reboot): the pause
  -- is then the reboot's, not an administrator's.
  reboot_initiated INTEGER NOT NULL DEFAULT 0 CHECK (reboot_initiated IN (0, 1))
);
INSERT INTO queue (id, paused) VALUES (1, 0);

-- The JSON form of a job, used by `show --json`, `list --json` and
-- `enqueue --json`, so every command prints the same object.
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
