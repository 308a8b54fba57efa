#!/usr/bin/env bash
# Measures "vigil analyze" end to end on simulated CloudTrail delivery files
# (gzip, AWS layout): events per second per CPU-second and peak RSS, for
# 1,000,000 events, and for 250,000 events to show that memory does not grow
# with the number of files. Also runs the decoder micro-benchmark that
# compares Vigil's CloudTrail decoding with encoding/json v1 (the peer).
#
# Usage: bench/analyze.sh [EVENTS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
out=bench/out
mkdir -p "$out"
go build -o "$out/vigil" ./cmd/vigil

measure() { # measure LABEL DIR EVENTS
  local label=$1 dir=$2 n=$3
  /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$out/vigil" analyze --quiet --json "$dir" > "$out/findings.jsonl"
  read -r wall user sys rss < "$out/time.txt"
  local files
  files=$(find "$dir" -name '*.json.gz' | wc -l)
  awk -v l="$label" -v n="$n" -v f="$files" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
    cpu = u + s
    printf "%-10s events=%d files=%d wall=%.2fs cpu=%.2fs events/s=%.0f events/s/core=%.0f peakRSS=%.1fMiB\n",
      l, n, f, w, cpu, n / w, n / cpu, r / 1024 }'
}

for n in "$events" $((events / 4)); do
  dir="$out/ct-$n"
  if [ ! -f "$dir/manifest.json" ]; then
    rm -rf "$dir"
    "$out/vigil" simulate --out "$dir" --events "$n" --accounts 10 --duration 24h --events-per-file 1000 --all-attacks --seed 42
  fi
  measure "analyze" "$dir" "$n"
done

echo "decoder micro-benchmark (Vigil's decoder vs encoding/json v1):"
go test ./internal/source/cloudtrail -run '^$' -bench 'Decode|Parse' -benchtime 2s | grep -E '^Benchmark'
