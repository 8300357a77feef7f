-- ?2 = 1 adds the attempt history as "history".
SELECT CASE WHEN ?2 THEN json_set(v.json, '$.history', json((
         SELECT json_group_array(json_object(
                  'attempt', a.number,
                  'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', a.started_at / 1000, 'unixepoch'),
                  'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', a.finished_at / 1000, 'unixepoch'),
                  'exit_code', a.exit_code,
                  'outcome', a.outcome,
                  'message', a.message,
                  'operation', a.operation))
           FROM (SELECT * FROM attempt WHERE job_id = v.id ORDER BY number) AS a)))
       ELSE v.json END
  FROM job_json AS v WHERE v.id = ?1;
