-- Jobs that have not started by their deadline fail.
UPDATE job SET state = 'failed', finished_at = ?1, retry_at = NULL,
       last_error = 'deadline passed (' ||
                    strftime('%Y-%m-%dT%H:%M:%SZ', deadline / 1000, 'unixepoch') ||
                    ') before the job could start'
 WHERE state IN ('queued', 'retrying') AND deadline IS NOT NULL AND deadline < ?1;
