-- 0006_staged_packages.sql: packages staged into the queue's own folder
-- (`msiq enqueue --stage`, docs/cli.md).
--
-- A staged job runs a copy that `enqueue` made in the folder `staged`
-- beside the database, which only administrators can change; the job's
-- target is that copy. Its SHA-256, recorded here, is checked before the
-- installer starts, and package_source keeps the path it was copied from
-- for people. Both are NULL for every other job. As in 0004, the columns
-- are added in place and the view is created again with the new field.
ALTER TABLE job ADD COLUMN package_sha256 TEXT
  CHECK (package_sha256 IS NULL
         OR (length(package_sha256) = 64
             AND package_sha256 NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE job ADD COLUMN package_source TEXT;

-- The copies of jobs that are gone (`msiq purge`), to be deleted from the
-- disk: a trigger notes each one in the same transaction as the delete, so
-- however the rows go, no copy is forgotten; `purge` then deletes the
-- files and these rows (staged_removal_*.sql).
CREATE TABLE staged_removal (
  path TEXT PRIMARY KEY
);

CREATE TRIGGER job_note_staged_removal AFTER DELETE ON job
  WHEN OLD.package_sha256 IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO staged_removal (path) VALUES (OLD.target);
END;

-- The view of 0004 with "staged": {"source", "sha256"} for a staged job,
-- else null.
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
                   END),
  'staged', json(CASE WHEN j.package_sha256 IS NOT NULL
                      THEN json_object('source', j.package_source,
                                       'sha256', j.package_sha256)
                 END)
) FROM job AS j;
