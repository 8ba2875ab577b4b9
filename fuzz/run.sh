#!/usr/bin/env bash
# Runs one fuzz target (docs/robustness.md): `fuzz/run.sh TARGET [RUNS] [extra libFuzzer flags]`.
# Builds with cargo-fuzz on the stable toolchain (RUSTC_BOOTSTRAP=1 lets it accept cargo-fuzz's
# -Z flags), no sanitizer (the code is safe Rust; overflow checks and debug assertions are on),
# one rayon thread, at the lowest priority. The corpus grows in fuzz/corpus/TARGET from the seeds
# fuzz/seed.sh writes; crashes land in fuzz/artifacts/TARGET; the final statistics are appended to
# fuzz/runs.log. CORPUS=DIR grows DIR instead (two runs of one target on two cores, each its own
# corpus, merged afterwards with `-merge=1`).
set -euo pipefail
cd "$(dirname "$0")"
target=$1
runs=${2:-10000000}
shift $(( $# >= 2 ? 2 : 1 ))
case $target in
  check|shell) max_len=1024 ;;
  k8s|compose) max_len=2048 ;;
  *) max_len=4096 ;;
esac
[ -d seeds/$target ] || ./seed.sh
corpus=${CORPUS:-corpus/$target}
mkdir -p "$corpus"
export RUSTC_BOOTSTRAP=1 RAYON_NUM_THREADS=1
# FAST=1: no comparison tracing (about twice the executions per second; the corpus the traced
# runs grew keeps what comparisons found), built apart so the two builds do not evict each other.
build=(-s none)
if [ "${FAST:-0}" = 1 ]; then build+=(--no-trace-compares --target-dir target/fast); fi
cargo fuzz build "${build[@]}" "$target" >/dev/null 2>&1
start=$(date +%s)
log=logs/$target.$(date +%Y%m%d-%H%M%S).$$.log
mkdir -p logs
nice -n 19 cargo fuzz run "${build[@]}" "$target" "$corpus" seeds/$target -- \
  -runs="$runs" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 -dict=dict/yaml.dict \
  -print_final_stats=1 "$@" >"$log" 2>&1 || status=$?
end=$(date +%s)
execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}')
rate=$(grep -a 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
files=$(ls "$corpus" | wc -l)
size=$(du -sk "$corpus" | cut -f1)
crashes=$(ls artifacts/$target 2>/dev/null | wc -l)
echo "$(date -u +%FT%TZ) $(git rev-parse --short HEAD) $target fast=${FAST:-0} execs=$execs exec/s=$rate wall=$((end-start))s corpus=${files}files/${size}KB max_len=$max_len artifacts=$crashes status=${status:-0} log=$log" | tee -a runs.log
