-- 0007_due_index.sql: "is anything due?" and "when is the next one due?"
-- as index seeks (docs/dispatcher.md, "How the dispatcher notices work").
--
-- Before, the dispatcher's pick walked job_runnable in priority order and
-- its next-due read walked every waiting job: with a million jobs queued
-- for later, each idle check cost a quarter of a second. A waiting job is
-- due at the later of its not-before time and, while it is retrying, its
-- retry time (a retrying job without a retry time is never due, as the
-- pick has it). That moment is indexed as an expression over the waiting
-- jobs only; the queries that use it repeat the expression word for word
-- (SQLite matches an expression index by its text) and the index's WHERE.
CREATE INDEX job_due ON job (
  max(coalesce(not_before, 0),
      CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                 ELSE 0 END))
  WHERE state = 'queued' OR state = 'retrying';
