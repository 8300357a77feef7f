-- Per-connection settings, applied after the schema version check.
-- synchronous=FULL makes every commit durable before msiq acknowledges it.
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
