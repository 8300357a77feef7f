-- The exact call the running attempt makes, as its worker named it; only
-- while the attempt is open (compare-and-set on its outcome).
UPDATE attempt SET operation = ?3
 WHERE job_id = ?1 AND number = ?2 AND outcome IS NULL;
