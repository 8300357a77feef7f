#!/usr/bin/env python3
"""bench_data.py: test data for tests/bench/run.sh.

  bench_data.py manifest N FILE
      An import manifest (JSON array) of N install jobs, each with two
      properties and a priority 0-4, like a patch-night manifest.

  bench_data.py fill DATABASE N KIND
      Adds N jobs straight into a database that msiq itself created (so the
      schema, indexes and migrations are msiq's own), with one
      INSERT ... SELECT, much faster than N enqueues. KIND:
        queued     N queued jobs, priorities 0-4, runnable now
        future     N queued jobs whose not_before is a day ahead (none is
                   runnable: the pick has to walk all of them)
        succeeded  N finished jobs (succeeded, finished a day ago), each with
                   one closed attempt in the history
        failed     N failed jobs, each with one failed attempt
        recent     N succeeded jobs that finished half an hour ago (inside
                   `report`'s default 24 hours, outside `purge
                   --older-than 1h`), each with one closed attempt

Only the standard library (sqlite3, json) is used.
"""
import json
import sqlite3
import sys
import time


def manifest(count, path):
    items = [
        {
            "target": "/srv/packages/app-%d.msi" % i,
            "priority": i % 5,
            "properties": {"ALLUSERS": "1", "INSTALLDIR": "C:\\Program Files\\App%d" % i},
        }
        for i in range(count)
    ]
    with open(path, "w") as out:
        json.dump(items, out)


def fill(database, count, kind):
    now = int(time.time() * 1000)
    day = 24 * 3600 * 1000
    con = sqlite3.connect(database, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -262144")
    if con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'job'").fetchone()[0] != 1:
        sys.exit("bench_data.py: %s has no job table (create it with msiq first)" % database)
    base = con.execute("SELECT coalesce(max(id), 0) FROM job").fetchone()[0]
    series = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) "
    con.execute("BEGIN IMMEDIATE")
    if kind in ("queued", "future"):
        con.execute(
            series
            + "INSERT INTO job (id, state, action, target, priority, not_before, max_attempts, created_at) "
            "SELECT ? + i, 'queued', 'install', '/srv/packages/app-' || (? + i) || '.msi', "
            "       (? + i) % 5, ?, 10, ? FROM c",
            (count, base, base, base, now + day if kind == "future" else None, now),
        )
    elif kind in ("succeeded", "failed", "recent"):
        state = "failed" if kind == "failed" else "succeeded"
        # finished_at: a day ago, or half an hour ago for "recent".
        ago = 30 * 60 * 1000 if kind == "recent" else day
        exit_code = 1603 if kind == "failed" else 0
        outcome = state
        error = None if state == "succeeded" else "installer failed with exit code 1603"
        con.execute(
            series
            + "INSERT INTO job (id, state, action, target, priority, max_attempts, attempts, "
            "                  exit_code, last_error, created_at, started_at, finished_at) "
            "SELECT ? + i, ?, 'install', '/srv/packages/app-' || (? + i) || '.msi', 0, 10, 1, "
            "       ?, ?, ?, ?, ? FROM c",
            (count, base, state, base, exit_code, error, now - ago - 1000, now - ago - 500, now - ago),
        )
        con.execute(
            series
            + "INSERT INTO attempt (job_id, number, started_at, finished_at, exit_code, outcome, message) "
            "SELECT ? + i, 1, ?, ?, ?, ?, 'exit code ' || ? FROM c",
            (count, base, now - ago - 500, now - ago, exit_code, outcome, exit_code),
        )
    else:
        sys.exit("bench_data.py: unknown kind %r" % kind)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def main(argv):
    if len(argv) == 4 and argv[1] == "manifest":
        manifest(int(argv[2]), argv[3])
    elif len(argv) == 5 and argv[1] == "fill":
        fill(argv[2], int(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
