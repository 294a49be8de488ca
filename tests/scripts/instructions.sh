#!/usr/bin/env bash
# Instructions per call, this client vs the hand-written baseline, 64 calls
# in flight (tests/examples/call_profile.rs), counted by callgrind. Counts do
# not move with machine load the way times do, so this backs the timed
# benchmark's concurrent row with a figure that repeats run to run. Each side
# runs twice, with 5 and 25 calls per task; the difference cancels start-up.
# Needs valgrind (Debian: apt-get install valgrind). Seconds after the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
cargo build --quiet --release --locked -p atlas-live-migration-tests --example call_profile
binary="$root/target/release/examples/call_profile"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

count() { # side calls_per_task -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2" "$binary" "$1" "$2" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
declare -A per_call
for side in client baseline; do
  low=$(count "$side" 5)
  high=$(count "$side" 25)
  per_call[$side]=$(( (high - low) / (64 * 20) ))
done
printf '%-10s %12s\n' side 'instr/call'
printf '%-10s %12s\n' client "${per_call[client]}" baseline "${per_call[baseline]}"
printf 'ratio %.3f\n' "$(echo "${per_call[client]} / ${per_call[baseline]}" | bc -l)"
