-- The earliest future moment the dispatcher has something to do for a
-- waiting job: it becomes due (its not-before or retry time, job_due's
-- expression word for word) or its deadline passes (the deadline is failed
-- once it is strictly in the past, hence + 1). Two seeks, job_due and
-- job_deadline; the dispatcher sleeps until then.
SELECT min(t) FROM (
  SELECT t FROM (
    SELECT max(coalesce(not_before, 0),
               CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                          ELSE 0 END) AS t
      FROM job INDEXED BY job_due
     WHERE (state = 'queued' OR state = 'retrying')
       AND max(coalesce(not_before, 0),
               CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                          ELSE 0 END) > ?1
       AND max(coalesce(not_before, 0),
               CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                          ELSE 0 END) < 9223372036854775807
     ORDER BY max(coalesce(not_before, 0),
                  CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                             ELSE 0 END)
     LIMIT 1)
  UNION ALL
  SELECT t FROM (
    SELECT deadline + 1 AS t FROM job INDEXED BY job_deadline
     WHERE deadline IS NOT NULL AND (state = 'queued' OR state = 'retrying')
       AND deadline >= ?1
     ORDER BY deadline
     LIMIT 1)
);
