-- Compare-and-set on 'running': the job's state after an attempt.
UPDATE job SET state = ?2, exit_code = ?3, reboot_required = ?4,
       retry_at = ?5, last_error = ?6,
       finished_at = CASE WHEN ?2 IN ('succeeded', 'failed', 'cancelled') THEN ?7 END,
       cancel_requested = 0
 WHERE id = ?1 AND state = 'running';
