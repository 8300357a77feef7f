-- Compare-and-set: ?2 is the state the caller saw.
UPDATE job SET state = 'cancelled', finished_at = ?3, retry_at = NULL,
               last_error = 'cancelled by an administrator'
 WHERE id = ?1 AND state = ?2;
