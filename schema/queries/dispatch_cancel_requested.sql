SELECT cancel_requested FROM job WHERE id = ?1 AND state = 'running';
