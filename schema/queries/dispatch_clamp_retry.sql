-- Compare-and-set: moves one retry time (?2, as read) earlier to ?3.
UPDATE job SET retry_at = ?3
 WHERE id = ?1 AND state = 'retrying' AND retry_at = ?2;
