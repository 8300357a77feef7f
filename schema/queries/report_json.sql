-- `msiq report --json`: ?1 is the start of the period (UTC ms). The jobs
-- finished in the period are read through job_finished only (with its
-- states repeated, so SQLite may use the partial index), never through
-- job_by_state, which would walk the whole history of a state; the waiting
-- jobs are the kept counts of the state_counts migration.
WITH finished AS (
  SELECT id, state, action, target, exit_code, finished_at, last_error,
         reboot_required
    FROM job INDEXED BY job_finished
   WHERE (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
     AND finished_at >= ?1)
SELECT json_object(
  'since', strftime('%Y-%m-%dT%H:%M:%SZ', ?1 / 1000, 'unixepoch'),
  'finished', json_object(
    'succeeded', (SELECT count(*) FROM finished WHERE state = 'succeeded'),
    'failed', (SELECT count(*) FROM finished WHERE state = 'failed'),
    'cancelled', (SELECT count(*) FROM finished WHERE state = 'cancelled')),
  'waiting', json_object(
    'queued', (SELECT count FROM job_state_count WHERE state = 'queued'),
    'running', (SELECT count FROM job_state_count WHERE state = 'running'),
    'retrying', (SELECT count FROM job_state_count WHERE state = 'retrying')),
  'failures', json((SELECT json_group_array(json_object(
                 'id', f.id, 'state', f.state, 'action', f.action,
                 'target', f.target, 'exit_code', f.exit_code,
                 'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', f.finished_at / 1000, 'unixepoch'),
                 'reason', f.last_error))
               FROM (SELECT * FROM finished WHERE state = 'failed' OR state = 'cancelled'
                      ORDER BY id) AS f)),
  'reboot_required', json((SELECT json_group_array(r.id)
                      FROM (SELECT id FROM finished WHERE state = 'succeeded'
                               AND reboot_required = 1
                             ORDER BY id) AS r)),
  'reboot_initiated', json((SELECT CASE reboot_initiated WHEN 1 THEN 'true' ELSE 'false' END
                              FROM queue WHERE id = 1)));
