#!/usr/bin/env python3
"""lock_prober.py: the concurrent writer of figure 14 (tests/bench/run.sh).

  lock_prober.py DATABASE STOP_FILE READY_FILE

Until STOP_FILE exists, takes the database's write lock again and again, as
an enqueue or the dispatcher would, and records how long each attempt had
to wait for it: BEGIN IMMEDIATE, ROLLBACK (nothing is written), 20 ms
pause, again. It does not use SQLite's busy handler, whose sleeps grow to
100 ms and would add up to that much to every wait measured: it retries a
refused BEGIN IMMEDIATE itself every millisecond, so a wait is measured to
about a millisecond. READY_FILE is created once the first lock was had.
At the end it prints one line:

  probes=N max_wait_ms=X median_wait_ms=Y waits_over_100ms=Z

Only the standard library is used.
"""
import os
import sqlite3
import sys
import time


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    database, stop_file, ready_file = argv[1:]
    # timeout=0: no busy handler; isolation_level=None: the transactions
    # are the ones written here.
    con = sqlite3.connect(database, timeout=0, isolation_level=None)
    waits = []
    while not os.path.exists(stop_file):
        started = time.monotonic()
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                time.sleep(0.001)
        waits.append((time.monotonic() - started) * 1000)
        con.execute("ROLLBACK")
        if len(waits) == 1:
            open(ready_file, "w").close()
        time.sleep(0.02)
    con.close()
    waits.sort()
    median = waits[len(waits) // 2] if waits else 0
    print(
        "probes=%d max_wait_ms=%.1f median_wait_ms=%.1f waits_over_100ms=%d"
        % (len(waits), waits[-1] if waits else 0, median, sum(1 for w in waits if w > 100))
    )


if __name__ == "__main__":
    main(sys.argv)
