#!/usr/bin/env bash
# Malware-scan benchmarks of issue 3, in one run on the same corpus and the
# same signature folders:
#
#  1. detection check: clamscan and vigil scan must report the same infected
#     files on a small planted corpus (bench/plant: signature bodies of the
#     benchmark .ndb at chosen offsets, files whose MD5 is in planted.hdb,
#     near misses that must stay clean, a 100 MiB file with a signature in
#     its last bytes);
#  2. signature load: each tool scans a 0-byte file with the database;
#  3. throughput: `clamscan --no-summary -d DB -r CORPUS` against
#     `vigil scan --quiet --workers 1 -d DB CORPUS` (per core; clamscan is
#     single-threaded) and vigil with its default --workers; wall, CPU
#     (user+sys), MB/s per CPU-second and peak RSS from /usr/bin/time;
#  4. a CPU profile of the scan (bench/scanprof, as vigil scan --workers 1);
#  5. upload-to-tag latency with versitygw and vigil serve (bench/latency).
#
# Cases: (a) 10,000 .ndb + 1,000,000 .hdb, (b) 100,000 .ndb + 1,000,000 .hdb.
# Inputs are generated once by bench/gen and cached under bench/out/scan/.
#
# Usage: bench/scan.sh [CORPUS_MB]        (default 512; files 1 KB-100 MB)
# Environment:
#   REPEAT=3        runs of each scan/load command; the run with the median
#                   CPU time is reported
#   LATENCY_N=100   objects per size for the latency benchmark (0: skip it)
#   VIGIL_REV=REV   build vigil (and scanprof) from git revision REV (e.g.
#                   HEAD) instead of the working tree
#   WAIT_QUIET=300  before measuring, wait at most this many seconds for the
#                   machine to be idle (other jobs skew the figures; the
#                   tables show how much CPU other processes used meanwhile)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-512}
repeat=${REPEAT:-3}
latency_n=${LATENCY_N:-100}
out=bench/out
s=$out/scan
mkdir -p "$s"
res=$s/results.txt
: > "$res"
say() { echo "$@" | tee -a "$res"; }

# --- build --------------------------------------------------------------
src=.
if [ -n "${VIGIL_REV:-}" ]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git archive "$VIGIL_REV" | tar -x -C "$src"
  mkdir -p "$src/bench/scanprof" && cp bench/scanprof/main.go "$src/bench/scanprof/"
fi
abs_out=$(cd "$out" && pwd)
(cd "$src" && go build -o "$abs_out/vigil" ./cmd/vigil && go build -o "$abs_out/scanprof" ./bench/scanprof)
go build -o "$out/gen" ./bench/gen
go build -o "$out/plant" ./bench/plant
go build -o "$out/latency" ./bench/latency
vigil=$out/vigil

# --- inputs (cached) ----------------------------------------------------
gen_once() { # DIR CMD...
  local dir=$1; shift
  if [ ! -f "$dir.done" ]; then
    rm -rf "$dir"
    "$@"
    touch "$dir.done"
  fi
}
gen_once "$s/sigs-a" "$out/gen" sigs --out "$s/sigs-a" --ndb 10000 --hashes 1000000
gen_once "$s/sigs-b" "$out/gen" sigs --out "$s/sigs-b" --ndb 100000 --hashes 1000000
corpus=$s/corpus-$mb
gen_once "$corpus" "$out/gen" corpus --out "$corpus" --total-mb "$mb"
for c in a b; do
  if [ "$s/sigs-$c.done" -nt "$s/planted-$c.done" ]; then rm -f "$s/planted-$c.done"; fi
  gen_once "$s/planted-$c" "$out/plant" --db "$s/sigs-$c" --out "$s/planted-$c" --big
  # The check database: the benchmark files plus planted.hdb, as symlinks
  # (both tools follow them).
  rm -rf "$s/check-$c" && mkdir -p "$s/check-$c"
  ln -s ../sigs-$c/bench.ndb ../sigs-$c/bench.hdb ../planted-$c/planted.hdb "$s/check-$c/"
done
: > "$s/empty"
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{t += $1} END {print t}')
files=$(find "$corpus" -type f | wc -l)

# --- machine ------------------------------------------------------------
say "date: $(date -u +%Y-%m-%dT%H:%MZ)"
say "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB"
say "tools: $(clamscan --version), $(go version | cut -d' ' -f3), vigil $(git rev-parse --short HEAD)${VIGIL_REV:+ (built from $VIGIL_REV)}"
if [ -z "${VIGIL_REV:-}" ] && [ -n "$(git status --porcelain -- internal cmd)" ]; then
  say "note: built from a working tree with uncommitted changes in: $(git status --porcelain -- internal cmd | awk '{print $2}' | tr '\n' ' ')"
fi
say "corpus: $corpus, $files files, $bytes bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB)"
cat "$corpus"/* > /dev/null # page cache warm for every tool
# Other jobs on the machine inflate wall times (and, less, CPU times).
# busy: CPU-seconds all processes used since boot (USER_HZ = 100).
busy() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8) / 100}' /proc/stat; }
# wait_quiet: wait (at most $WAIT_QUIET s, default 300) until the machine
# uses less than 0.1 CPU over 5 s.
wait_quiet() {
  local t0=$SECONDS b0 b1
  while [ $((SECONDS - t0)) -lt "${WAIT_QUIET:-300}" ]; do
    b0=$(busy); sleep 5; b1=$(busy)
    awk -v a="$b0" -v b="$b1" 'BEGIN {exit !((b - a) / 5 < 0.1)}' && return 0
  done
  say "warning: the machine was still busy after ${WAIT_QUIET:-300} s; figures include other jobs' interference"
}
wait_quiet

# --- 1. detection check -------------------------------------------------
check() { # CASE
  local c=$1 dir=$s/planted-$c rc=0
  (cd "$dir" && clamscan --no-summary -i -d ../check-$c -r files) > "$s/check-clamscan-$c.raw" || rc=$?
  [ "$rc" -le 1 ] || { echo "clamscan failed ($rc)"; exit 1; }
  rc=0
  (cd "$dir" && "$abs_out/vigil" scan --quiet -i -d ../check-$c files) > "$s/check-vigil-$c.raw" || rc=$?
  [ "$rc" -le 1 ] || { echo "vigil scan failed ($rc)"; exit 1; }
  sed -e 's/\.UNOFFICIAL FOUND$//' -e 's/ FOUND$//' "$s/check-clamscan-$c.raw" | sort > "$s/check-clamscan-$c.txt"
  sed -e 's/ FOUND$//' "$s/check-vigil-$c.raw" | sort > "$s/check-vigil-$c.txt"
  local want nc nv same=yes
  want=$(wc -l < "$dir/expected.txt")
  nc=$(grep -cxFf "$dir/expected.txt" "$s/check-clamscan-$c.txt" || true)
  nv=$(grep -cxFf "$dir/expected.txt" "$s/check-vigil-$c.txt" || true)
  cmp -s "$s/check-clamscan-$c.txt" "$s/check-vigil-$c.txt" || same=NO
  say "detection check ($c): planted $want; clamscan found $nc/$want ($(wc -l < "$s/check-clamscan-$c.txt") reports), vigil found $nv/$want ($(wc -l < "$s/check-vigil-$c.txt") reports); identical lists: $same"
  if [ "$same" != yes ] || [ "$nc" != "$want" ]; then
    diff "$s/check-clamscan-$c.txt" "$s/check-vigil-$c.txt" | tee -a "$res" || true
    echo "detection check failed: the comparison would not be honest" >&2
    exit 1
  fi
}

# --- 2./3. measurements -------------------------------------------------
# measure NAME CMD...: runs CMD $repeat times under /usr/bin/time and
# appends "NAME wall user sys rssKB" for the run with the median CPU time.
# The sixth field is the CPU time that other processes used meanwhile
# (machine-wide busy time minus the command's own), a measure of
# interference.
measure() {
  local name=$1; shift
  local runs=$s/runs-$name.txt rc b0 b1 n=$repeat
  # Loads are short and their CPU time varies with the garbage collector:
  # at least 5 runs.
  case $name in load-*) [ "$n" -ge 5 ] || n=5 ;; esac
  : > "$runs"
  for _ in $(seq "$n"); do
    rc=0
    b0=$(busy)
    /usr/bin/time -f '%e %U %S %M' -o "$s/time.txt" "$@" > "$s/out-$name.txt" 2> "$s/err-$name.txt" || rc=$?
    b1=$(busy)
    if [ "$rc" -gt 1 ]; then
      echo "$name: exit $rc"; cat "$s/err-$name.txt"; exit 1
    fi
    echo "$(tail -1 "$s/time.txt") $b0 $b1" | awk '{o = $6 - $5 - $2 - $3; printf "%s %s %s %s %.2f\n", $1, $2, $3, $4, (o > 0 ? o : 0)}' >> "$runs"
  done
  echo "$name $(awk '{print $2 + $3, $0}' "$runs" | sort -n | awk -v n="$n" 'NR == int((n + 1) / 2) {print $2, $3, $4, $5, $6}')" >> "$s/measured.txt"
}
: > "$s/measured.txt"
for c in a b; do
  check "$c"
  db=$s/sigs-$c
  measure "load-clamscan-$c" clamscan --no-summary -d "$db" "$s/empty"
  measure "load-vigil-$c" "$vigil" scan --quiet -d "$db" "$s/empty"
  "$vigil" scan --db-info --json -d "$db" > "$s/dbinfo-$c.json"
  measure "scan-clamscan-$c" clamscan --no-summary -d "$db" -r "$corpus"
  measure "scan-vigil1-$c" "$vigil" scan --quiet --workers 1 -d "$db" "$corpus"
  measure "scan-vigil-$c" "$vigil" scan --quiet -d "$db" "$corpus"
  # Every file must have been scanned and found clean by both.
  for t in clamscan vigil1 vigil; do
    ok=$(grep -c ': OK$' "$s/out-scan-$t-$c.txt" || true)
    [ "$ok" = "$files" ] || { echo "scan-$t-$c: $ok of $files files OK"; cat "$s/out-scan-$t-$c.txt"; exit 1; }
  done
done

# --- tables -------------------------------------------------------------
say ""
say "Signature load (scan of a 0-byte file; median of $(( repeat > 5 ? repeat : 5 )) by CPU):"
say ""
say "| case | tool | wall s | CPU s | peak RSS MiB | vigil --db-info load_time | other jobs' CPU s |"
say "|---|---|---|---|---|---|---|"
for c in a b; do
  lt=$(grep -o '"load_time_ns": *[0-9]*' "$s/dbinfo-$c.json" | tr -dc 0-9)
  for t in clamscan vigil; do
    read -r _ w u sy r o < <(grep "^load-$t-$c " "$s/measured.txt")
    extra=""
    [ "$t" = vigil ] && extra=$(awk -v n="$lt" 'BEGIN {printf "%.2f s", n / 1e9}')
    say "$(awk -v c="$c" -v t="$t" -v w="$w" -v u="$u" -v s="$sy" -v r="$r" -v x="$extra" -v o="$o" 'BEGIN {
      printf "| (%s) | %s | %.2f | %.2f | %.1f | %s | %.2f |", c, t, w, u + s, r / 1024, x, o }')"
  done
done
say ""
say "Throughput over $files files, $bytes bytes (MB = 10^6 bytes; median of $repeat by CPU). 'scan only' subtracts the tool's load CPU from the table above:"
say ""
say "| case | command | wall s | CPU s | MB/s wall | MB/s per CPU-s | MB/s per CPU-s, scan only | peak RSS MiB | other jobs' CPU s |"
say "|---|---|---|---|---|---|---|---|---|"
for c in a b; do
  for t in clamscan vigil1 vigil; do
    read -r _ w u sy r o < <(grep "^scan-$t-$c " "$s/measured.txt")
    lt=clamscan; [ "$t" != clamscan ] && lt=vigil
    read -r _ _ lu ls _ _ < <(grep "^load-$lt-$c " "$s/measured.txt")
    label=$t
    case $t in
      clamscan) label="clamscan (1 thread)" ;;
      vigil1) label="vigil scan --workers 1" ;;
      vigil) label="vigil scan (default --workers 2)" ;;
    esac
    say "$(awk -v c="$c" -v l="$label" -v b="$bytes" -v w="$w" -v u="$u" -v s="$sy" -v r="$r" -v o="$o" -v lc="$(awk -v a="$lu" -v b="$ls" 'BEGIN {print a + b}')" 'BEGIN {
      cpu = u + s; mb = b / 1e6
      so = cpu > lc ? sprintf("%.0f", mb / (cpu - lc)) : "n/a"
      printf "| (%s) | %s | %.2f | %.2f | %.0f | %.0f | %s | %.1f | %.2f |", c, l, w, cpu, mb / w, mb / cpu, so, r / 1024, o }')"
    echo "$c $t $w $u $sy $lu $ls" >> "$s/ratio.tmp"
  done
done
say ""
say "Ratio vigil --workers 1 / clamscan, per CPU-second:"
for c in a b; do
  say "$(awk -v c="$c" -v b="$bytes" '$1 == c && $2 == "clamscan" {cc = $4 + $5; cl = $6 + $7} $1 == c && $2 == "vigil1" {vc = $4 + $5; vl = $6 + $7}
    END {mb = b / 1e6; printf "  (%s) whole run %.1fx (%.0f vs %.0f MB/s)", c, cc / vc, mb / vc, mb / cc
      if (vc > vl && cc > cl) printf ", scan only %.1fx (%.0f vs %.0f MB/s)", (cc - cl) / (vc - vl), mb / (vc - vl), mb / (cc - cl)
      else printf ", scan only n/a (load CPU varied more than the scan took)"}' "$s/ratio.tmp")"
done
rm -f "$s/ratio.tmp"

# --- 4. profile -----------------------------------------------------------
say ""
for c in a b; do
  "$out/scanprof" -d "$s/sigs-$c" -cpuprofile "$s/scan-$c.prof" -loadprofile "$s/load-$c.prof" "$corpus" | sed "s/^/scanprof ($c): /" | tee -a "$res"
  go tool pprof -top -nodecount=15 "$out/scanprof" "$s/scan-$c.prof" 2>/dev/null > "$s/profile-scan-$c.txt"
  go tool pprof -top -nodecount=15 "$out/scanprof" "$s/load-$c.prof" 2>/dev/null > "$s/profile-load-$c.txt"
done
say "CPU profiles: $s/profile-scan-{a,b}.txt, $s/profile-load-{a,b}.txt (go tool pprof -top)"

# --- 5. upload-to-tag latency ----------------------------------------------
if [ "$latency_n" -gt 0 ]; then
  wait_quiet
  say ""
  say "Upload-to-tag latency (versitygw + vigil serve on loopback, signatures (a) + an EICAR .ndb):"
  say ""
  "$out/latency" -vigil "$vigil" -db "$s/sigs-a" -n "$latency_n" | tee -a "$res"
fi
echo
echo "results: $res"
