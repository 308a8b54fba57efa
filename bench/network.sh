#!/usr/bin/env bash
# Measures "vigil analyze" on network logs end to end: VPC flow logs and
# Route 53 Resolver query logs simulated for an estate (gzip, AWS layout),
# parsed and run through every detector. Reports records per second, records
# per CPU-second (per core) and peak RSS; then a distributed scan of
# 10,000,000 distinct source addresses against one instance to show that
# per-source state stays bounded (peak RSS). Then the in-process parser and
# detector micro-benchmarks.
#
# Usage: bench/network.sh [FLOWS] [DNS] [FLOOD_SOURCES]
#        (defaults 2000000 600000 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
flows=${1:-2000000}
dns=${2:-600000}
flood=${3:-10000000}
out=bench/out
mkdir -p "$out"
go build -o "$out/vigil" ./cmd/vigil

measure() { # measure LABEL RECORDS PATH...
  local label=$1 n=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$out/vigil" analyze --quiet --json "$@" > "$out/findings.jsonl" || true
  read -r wall user sys rss < "$out/time.txt"
  local found
  found=$(wc -l < "$out/findings.jsonl")
  awk -v l="$label" -v n="$n" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v k="$found" 'BEGIN {
    cpu = u + s
    printf "%s: records=%d findings=%d wall=%.2fs cpu=%.2fs records/s=%.0f records/s/core=%.0f peakRSS=%.1fMiB\n",
      l, n, k, w, cpu, n / w, n / cpu, r / 1024 }'
}

dir="$out/net-$flows-$dns"
if [ ! -f "$dir/manifest.json" ]; then
  rm -rf "$dir"
  "$out/vigil" simulate --out "$dir" --events 0 --flows "$flows" --dns "$dns" --accounts 4 --duration 6h --all-attacks --seed 42
fi
nf=$(grep -o '"flowRecords": *[0-9]*' "$dir/manifest.json" | tr -dc 0-9)
nd=$(grep -o '"dnsRecords": *[0-9]*' "$dir/manifest.json" | tr -dc 0-9)
cfg="$dir/.intel/vigil.yaml"
measure "flow logs" "$nf" --config "$cfg" $(find "$dir/AWSLogs" -maxdepth 2 -name vpcflowlogs -type d)
measure "DNS logs " "$nd" --config "$cfg" $(find "$dir/AWSLogs" -maxdepth 2 -name vpcdnsquerylogs -type d)

fdir="$out/flood-$flood"
if [ ! -d "$fdir/AWSLogs" ]; then
  rm -rf "$fdir"
  go run ./bench/flood -out "$fdir" -sources "$flood"
fi
measure "scan flood ($flood sources)" "$flood" --workers 2 "$fdir/AWSLogs"

echo "micro-benchmarks (one core):"
go test ./internal/source/flowlogs ./internal/source/route53 -run '^$' -bench . -benchtime 2s | grep -E '^Benchmark'
go test ./internal/detect/ec2 -run '^$' -bench 'FlowDetectors|DNSDetectors' -benchtime 3x | grep -E '^Benchmark'
