UPDATE job SET cancel_requested = 1 WHERE id = ?1 AND state = 'running';
