#!/usr/bin/env bash
# poll_1s.sh: the comparison for figure 6 of tests/bench/run.sh, a plain
# 1-second polling loop of the kind install wrappers use while another
# installation holds the Windows Installer mutex: look at the mutex, and if
# it is held sleep one second and look again; once it is free, start the
# installer. Here the mutex is the simulation host's lock file (held while
# another process holds a write lock on it), looked at the same way msiq
# looks at it, without taking it (tests/sim_mutex.c probe).
#
#   poll_1s.sh SIM_MUTEX LOCKFILE PROGRAM [ARGS...]
set -u
sim_mutex=$1
lock=$2
shift 2
while ! "$sim_mutex" probe "$lock"; do
  sleep 1
done
exec "$@"
