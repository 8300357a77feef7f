-- 0012_log_mode.sql: the log switch of each job, msiexec's
-- /l[i|w|e|a|r|u|c|m|o|p|v|x|+|!|*] letters (`exec /l*vx+ FILE`,
-- `enqueue --log-mode`; docs/cli.md, "Logs").
--
-- log_mode holds the letters in their canonical form (src/core/log_mode.h:
-- lowercase, the kinds of message in msiexec's order or "*", then v, x, +
-- and !), or NULL for a job that names none, which logs as every job did
-- before: /l*v, each line flushed by the worker. The CHECK keeps the
-- column to those characters, so a hand-edited row cannot smuggle another
-- switch into msiexec's command line. As in 0011, the column is added in
-- place and the view is created again with the new field.
ALTER TABLE job ADD COLUMN log_mode TEXT
  CHECK (log_mode IS NULL
         OR (length(log_mode) BETWEEN 1 AND 15
             AND log_mode NOT GLOB '*[^iwearucmopvx+!*]*'));

-- The view of 0011 with "log_mode" after "log".
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
  'log_mode', j.log_mode,
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
                 END),
  'package', json(CASE j.package_kind
                    WHEN 'product' THEN json_object(
                      'kind', 'product',
                      'product_code', j.product_code,
                      'name', j.product_name,
                      'version', j.product_version,
                      'manufacturer', j.manufacturer,
                      'upgrade_code', j.upgrade_code,
                      'all_users', j.all_users,
                      'install_per_user', j.install_per_user,
                      'platform', j.package_platform,
                      'languages', json('[' || coalesce(j.package_languages, '') || ']'))
                    WHEN 'patch' THEN json_object(
                      'kind', 'patch',
                      'patch_code', j.patch_code,
                      'name', j.package_display_name,
                      'targets', json('["' || replace(j.patch_targets, ';', '","') || '"]'))
                  END)
) FROM job AS j;
