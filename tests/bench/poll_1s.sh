#!/usr/bin/env bash
# poll_1s.sh: the comparison for figure 6 of tests/bench/run.sh, a plain
# 1-second polling loop of the kind install wrappers use while another
# installation holds the Windows Installer mutex: look at the mutex, and if
# it is held sleep one second and look again; once it is free, start the
# installer. Here the mutex is the simulation host's lock file (held while
# another process holds an exclusive flock on it), probed the same way msiq
# probes it: a non-blocking shared lock, released at once.
#
#   poll_1s.sh LOCKFILE PROGRAM [ARGS...]
set -u
lock=$1
shift
while ! flock --shared --nonblock "$lock" true; do
  sleep 1
done
exec "$@"
