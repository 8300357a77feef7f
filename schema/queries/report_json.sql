-- `msiq report --json`: ?1 is the start of the period (UTC ms).
SELECT json_object(
  'since', strftime('%Y-%m-%dT%H:%M:%SZ', ?1 / 1000, 'unixepoch'),
  'finished', json_object(
    'succeeded', (SELECT count(*) FROM job WHERE state = 'succeeded' AND finished_at >= ?1),
    'failed', (SELECT count(*) FROM job WHERE state = 'failed' AND finished_at >= ?1),
    'cancelled', (SELECT count(*) FROM job WHERE state = 'cancelled' AND finished_at >= ?1)),
  'waiting', json_object(
    'queued', (SELECT count(*) FROM job WHERE state = 'queued'),
    'running', (SELECT count(*) FROM job WHERE state = 'running'),
    'retrying', (SELECT count(*) FROM job WHERE state = 'retrying')),
  'failures', json((SELECT json_group_array(json_object(
                 'id', f.id, 'state', f.state, 'action', f.action,
                 'target', f.target, 'exit_code', f.exit_code,
                 'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', f.finished_at / 1000, 'unixepoch'),
                 'reason', f.last_error))
               FROM (SELECT * FROM job WHERE state IN ('failed', 'cancelled')
                        AND finished_at >= ?1 ORDER BY id) AS f)),
  'reboot_required', json((SELECT json_group_array(r.id)
                      FROM (SELECT id FROM job WHERE state = 'succeeded'
                               AND reboot_required = 1 AND finished_at >= ?1
                             ORDER BY id) AS r)),
  'reboot_initiated', json((SELECT CASE reboot_initiated WHEN 1 THEN 'true' ELSE 'false' END
                              FROM queue WHERE id = 1)));
