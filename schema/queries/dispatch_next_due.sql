-- The earliest future moment a waiting job becomes due (a retry time or a
-- not-before time), so the dispatcher can sleep until then.
SELECT min(t) FROM (
  SELECT min(retry_at) AS t FROM job WHERE state = 'retrying' AND retry_at > ?1
  UNION ALL
  SELECT min(not_before) FROM job WHERE state IN ('queued', 'retrying') AND not_before > ?1
);
