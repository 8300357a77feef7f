-- Back to connection_configure.sql's setting: every commit flushed before
-- it returns.
PRAGMA synchronous = FULL;
