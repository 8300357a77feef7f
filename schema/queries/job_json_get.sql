-- ?2 = 1 adds the attempt history as "history". Each entry's "progress" is
-- how far that attempt got, {"percent", "action", "since"} as in the job's
-- own "progress": what it kept when it ended, or for the attempt that runs
-- now the job's live progress; null when it reported none.
SELECT CASE WHEN ?2 THEN json_set(v.json, '$.history', json((
         SELECT json_group_array(json_object(
                  'attempt', a.number,
                  'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', a.started_at / 1000, 'unixepoch'),
                  'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', a.finished_at / 1000, 'unixepoch'),
                  'exit_code', a.exit_code,
                  'outcome', a.outcome,
                  'message', a.message,
                  'operation', a.operation,
                  'progress', json(CASE WHEN a.progress_at IS NOT NULL
                                        THEN json_object(
                                          'percent', a.progress_percent,
                                          'action', a.progress_action,
                                          'since', strftime('%Y-%m-%dT%H:%M:%SZ', a.progress_at / 1000, 'unixepoch'))
                                   END)))
           FROM (SELECT t.number, t.started_at, t.finished_at, t.exit_code,
                        t.outcome, t.message, t.operation,
                        CASE WHEN t.outcome IS NULL THEN j.progress_percent ELSE t.progress_percent END AS progress_percent,
                        CASE WHEN t.outcome IS NULL THEN j.progress_action ELSE t.progress_action END AS progress_action,
                        CASE WHEN t.outcome IS NULL THEN j.progress_at ELSE t.progress_at END AS progress_at
                   FROM attempt AS t JOIN job AS j ON j.id = t.job_id
                  WHERE t.job_id = v.id ORDER BY t.number) AS a)))
       ELSE v.json END
  FROM job_json AS v WHERE v.id = ?1;
