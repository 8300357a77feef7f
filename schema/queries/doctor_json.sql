-- `msiq doctor --json`: ?1 is quick_check's verdict ("ok" or its complaint).
SELECT json_object(
  'quick_check', ?1,
  'schema_version', (SELECT user_version FROM pragma_user_version),
  'latest_schema_version', CAST(?2 AS INTEGER),
  'counts', json_object(
    'queued', (SELECT count(*) FROM job WHERE state = 'queued'),
    'running', (SELECT count(*) FROM job WHERE state = 'running'),
    'retrying', (SELECT count(*) FROM job WHERE state = 'retrying'),
    'succeeded', (SELECT count(*) FROM job WHERE state = 'succeeded'),
    'failed', (SELECT count(*) FROM job WHERE state = 'failed'),
    'cancelled', (SELECT count(*) FROM job WHERE state = 'cancelled')));
