-- `retry`: a new round of attempts; the attempt table keeps the old ones.
UPDATE job SET state = 'queued', attempts = 0, exit_code = NULL,
               last_error = NULL, started_at = NULL, finished_at = NULL,
               retry_at = NULL, reboot_required = 0, cancel_requested = 0
 WHERE id = ?1 AND state = ?2;
