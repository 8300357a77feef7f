-- The next commits of this connection are not flushed to disk on their own
-- (WAL mode: they reach the disk with the next flushed commit, in order, or
-- are lost whole at a power loss). Only for what may be lost that way: the
-- worker's operation and progress (store_progress.c).
PRAGMA synchronous = NORMAL;
