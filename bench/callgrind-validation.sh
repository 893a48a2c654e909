#!/bin/bash
# Instructions a session check costs, counted by valgrind (callgrind), which a loaded machine
# does not disturb the way it disturbs CPU time:
#   bench/callgrind-validation.sh <name> <checkout dir | bare> <port> <warm-up requests> <requests> <connections> <db> <ids.json>
# Seed <db> and <ids.json> first with bench/callgrind-seed.ts.
# Starts sessiond from <checkout dir> (as the bench does: node --import tsx src/cli/main.ts serve;
# DIST=1: node dist/cli/main.js serve) on an already seeded SQLite file, or the bare Fastify peer,
# under callgrind with counting off; sends the warm-up requests (15,000 is enough for the JIT
# to settle under valgrind), counts only the measured requests, and prints instructions a
# request per thread (thread 1 is the event loop; the others are V8's compiler and GC helpers).
# Read the profile with `callgrind_annotate <out>-01`: JIT code shows as addresses; builtins, V8's
# runtime, OpenSSL and SQLite by name. The touch interval is raised so only cached checks are counted.
# Under valgrind a request takes ~50x as long, so sessiond's work paced by the clock (the look for
# another process's writes, 10 ms; the event and webhook polls; the checkpoint thread) runs ~50x as
# often a request as at full speed: it adds to sessiond's counts, little to instructions but about
# a third of its L2 misses in a cache simulation (bench/NOTES.md, "Corrected the next session").
set -euo pipefail
name=$1 dir=$2 port=$3 warm=$4 count=$5 connections=$6 db=$7 ids=$8
here=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:-/tmp}/callgrind.$name.out
export NODE_ENV=production PORT=$port HOST=127.0.0.1 SESSIOND_STORE=sqlite:$db SESSIOND_LOGINS_PER_USER_PER_HOUR=100000000 SESSIOND_TOUCH_INTERVAL_SECONDS=3600
if [ "$dir" = bare ]; then
  cd "$here"; args=(bench/peers/bare-fastify.mjs); path=/session; ids=-
elif [ -n "${DIST:-}" ]; then
  cd "$dir"; args=(dist/cli/main.js serve); path=/api/v1/session
else
  cd "$dir"; args=(--import tsx src/cli/main.ts serve); path=/api/v1/session
fi
valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file="$out" node "${args[@]}" > "$out.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$port$path" && break; sleep 0.5; done
node "$here/bench/callgrind-client.mjs" "http://127.0.0.1:$port$path" "$ids" "$warm" "$connections"
callgrind_control -i on $server > /dev/null 2>&1
node "$here/bench/callgrind-client.mjs" "http://127.0.0.1:$port$path" "$ids" "$count" "$connections"
callgrind_control -i off $server > /dev/null 2>&1
kill -TERM $server; wait $server || true
trap - EXIT
for f in "$out"-*; do
  total=$(grep -m1 '^totals:' "$f" | awk '{print $2}')
  [ "${total:-0}" -gt 0 ] && echo "$name thread ${f##*-}: $((total / count)) instructions a request"
done
