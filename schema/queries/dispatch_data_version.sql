-- Changes when another connection commits: the CLI enqueued, cancelled,
-- paused... A cheap way to notice without scanning tables.
PRAGMA data_version;
