-- The newest job with a key: what an import manifest means by "after" a key.
SELECT id FROM job WHERE idempotency_key = ?1 ORDER BY id DESC LIMIT 1;
