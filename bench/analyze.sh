#!/usr/bin/env bash
# Measures "vigil analyze" end to end on simulated CloudTrail delivery files
# (gzip, AWS layout, 10 accounts x 3 regions): events per second, events per
# CPU-second (per core) and peak RSS. The same number of events is run twice,
# spread over 4x as many files the second time, to show that memory does not
# grow with the number of files. Then the decoder micro-benchmark compares
# Vigil's CloudTrail decoding with encoding/json v1 (the named peer) in the
# same run.
#
# Usage: bench/analyze.sh [EVENTS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
out=bench/out
mkdir -p "$out"
go build -o "$out/vigil" ./cmd/vigil

measure() { # measure DIR
  local dir=$1
  /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$out/vigil" analyze --quiet --json "$dir/AWSLogs" > "$out/findings.jsonl"
  read -r wall user sys rss < "$out/time.txt"
  local n files found
  n=$(grep -o '"events": *[0-9]*' "$dir/manifest.json" | head -1 | tr -dc 0-9)
  files=$(find "$dir/AWSLogs" -name '*.json.gz' | wc -l)
  found=$(wc -l < "$out/findings.jsonl")
  awk -v n="$n" -v f="$files" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v k="$found" 'BEGIN {
    cpu = u + s
    printf "analyze: events=%d files=%d findings=%d wall=%.2fs cpu=%.2fs events/s=%.0f events/s/core=%.0f peakRSS=%.1fMiB\n",
      n, f, k, w, cpu, n / w, n / cpu, r / 1024 }'
}

for span in 6h 24h; do
  dir="$out/ct-$events-$span"
  if [ ! -f "$dir/manifest.json" ]; then
    rm -rf "$dir"
    "$out/vigil" simulate --out "$dir" --events "$events" --flows 0 --dns 0 --accounts 10 --duration "$span" --all-attacks --seed 42
  fi
  measure "$dir"
done

echo "decoder micro-benchmark, one 1,000-record delivery file (Vigil vs encoding/json v1):"
go test ./internal/source/cloudtrail -run '^$' -bench 'Parse|Peer' -benchtime 2s | grep -E '^Benchmark'
