-- `msiq status --json`. The host's view of the gate comes in as parameters:
-- ?1 dispatcher running (0/1), ?2 mutex state, ?3 service state, ?4 gate
-- open now (0/1), ?5 why a reboot is pending (NULL: none), ?6 when the
-- maintenance window opens next (NULL: no window, or open now), ?7 the
-- gate's reason ("open", "paused", ...), ?8 the gate's text. ?4, ?7 and ?8
-- are one verdict of core/gate.c. ?9 is the running dispatcher's note about
-- an outcome it has not recorded yet (NULL: none). ?10 to ?13 name who
-- holds the installer while the mutex or the service closes the gate: where
-- it was learned ("event log", "process list"; NULL: nothing learned, and
-- then "holder" is null), the package, the client process id and its
-- command line (each NULL when unknown). The running job's
-- "progress" follows the rule of the job_json view (migration 0004): null
-- until its worker has reported. The counts are kept by the triggers of
-- the state_counts migration, not counted.
SELECT json_object(
  'dispatcher_running', json(CASE ?1 WHEN '1' THEN 'true' ELSE 'false' END),
  'unrecorded_outcome', ?9,
  'gate', json_object(
    'open', json(CASE ?4 WHEN '1' THEN 'true' ELSE 'false' END),
    'reason', ?7,
    'text', ?8,
    'paused', json(CASE q.paused WHEN 1 THEN 'true' ELSE 'false' END),
    'pause_reason', q.pause_reason,
    'paused_at', strftime('%Y-%m-%dT%H:%M:%SZ', q.paused_at / 1000, 'unixepoch'),
    'reboot_initiated', json(CASE q.reboot_initiated WHEN 1 THEN 'true' ELSE 'false' END),
    'mutex', ?2,
    'service', ?3,
    'reboot_pending', json(CASE WHEN ?5 IS NULL THEN 'false' ELSE 'true' END),
    'reboot_pending_reason', ?5,
    'maintenance_window', q.maintenance_window,
    'window_opens_at', ?6,
    'holder', json(CASE WHEN ?10 IS NOT NULL
                        THEN json_object(
                          'source', ?10,
                          'package', ?11,
                          'process_id', CAST(?12 AS INTEGER),
                          'command_line', ?13)
                   END)),
  'running', json((SELECT json_object(
                      'id', j.id, 'target', j.target, 'attempt', a.number,
                      'since', strftime('%Y-%m-%dT%H:%M:%SZ', a.started_at / 1000, 'unixepoch'),
                      'progress', json(CASE WHEN j.progress_at IS NOT NULL
                                            THEN json_object(
                                              'percent', j.progress_percent,
                                              'action', j.progress_action,
                                              'since', strftime('%Y-%m-%dT%H:%M:%SZ', j.progress_at / 1000, 'unixepoch'))
                                       END))
                     FROM job AS j
                     JOIN attempt AS a ON a.job_id = j.id AND a.outcome IS NULL
                    WHERE j.state = 'running' ORDER BY j.id LIMIT 1)),
  'counts', json_object(
    'queued', (SELECT count FROM job_state_count WHERE state = 'queued'),
    'running', (SELECT count FROM job_state_count WHERE state = 'running'),
    'retrying', (SELECT count FROM job_state_count WHERE state = 'retrying'),
    'succeeded', (SELECT count FROM job_state_count WHERE state = 'succeeded'),
    'failed', (SELECT count FROM job_state_count WHERE state = 'failed'),
    'cancelled', (SELECT count FROM job_state_count WHERE state = 'cancelled')),
  'next_retry_at', (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', min(retry_at) / 1000, 'unixepoch')
                      FROM job WHERE state = 'retrying'))
FROM queue AS q WHERE q.id = 1;
