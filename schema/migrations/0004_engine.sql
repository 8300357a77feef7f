-- 0004_engine.sql: what the dispatcher learns from a job's worker (the
-- msi.dll engine, docs/engine.md).
--
-- Every change here adds a column that may be NULL, which ALTER TABLE does
-- in place; unlike 0003 no table is rebuilt, so no row moves and the rows
-- that refer to jobs are untouched. The view names the table's columns, so
-- it is dropped and created again with the new field.

-- 1. The exact call an attempt made, as its worker named it (for example
-- MsiInstallProductW("C:\pkg\app.msi", "ALLUSERS=1 REBOOT=ReallySuppress")),
-- so that `msiq show` says what was run with which properties. NULL when
-- the installer named none (a stand-in that speaks no worker protocol).
ALTER TABLE attempt ADD COLUMN operation TEXT;

-- 2. The running job's live progress: the percentage of Windows
-- Installer's progress bar, the action it runs ("InstallFiles: Copying new
-- files") and when the dispatcher received that report (UTC ms). The
-- dispatcher writes them at most once a second while the attempt runs.
ALTER TABLE job ADD COLUMN progress_percent INTEGER
  CHECK (progress_percent >= 0 AND progress_percent <= 100);
ALTER TABLE job ADD COLUMN progress_action TEXT;
ALTER TABLE job ADD COLUMN progress_at INTEGER;

-- Progress belongs to the attempt that runs: whatever ends the running
-- state (the outcome, crash recovery) clears it in the same transaction,
-- so the next attempt never starts with the last one's bar. Every progress
-- write sets progress_at, so a job without one has nothing to clear.
CREATE TRIGGER job_clear_progress AFTER UPDATE OF state ON job
  WHEN OLD.state = 'running' AND NEW.state <> 'running'
   AND NEW.progress_at IS NOT NULL
BEGIN
  UPDATE job SET progress_percent = NULL, progress_action = NULL,
                 progress_at = NULL
   WHERE id = NEW.id;
END;

-- 3. The view of 0003 with "progress": {"percent", "action", "since"}
-- while the job runs and has reported some, else null.
DROP VIEW job_json;
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
  'last_error', j.last_error,
  'progress', json(CASE WHEN j.state = 'running' AND j.progress_at IS NOT NULL
                        THEN json_object(
                          'percent', j.progress_percent,
                          'action', j.progress_action,
                          'since', strftime('%Y-%m-%dT%H:%M:%SZ', j.progress_at / 1000, 'unixepoch'))
                   END)
) FROM job AS j;
