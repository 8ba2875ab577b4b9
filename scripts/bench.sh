#!/usr/bin/env bash
# The realistic speed benchmark (issue 15, docs/performance.md): the real-world corpus of
# fixtures/real/ copied with renamed namespaces until it holds 10,000 and 50,000 documents
# (generated into a temporary directory, never committed), then, for each corpus, whole-process
# figures of `nexus-lint check --format json` (every rule) on 1 and 2 threads and of a bare
# single-threaded event pass of the YAML parser over the same files (`nexus-lint bare-parse`),
# in the same run: median wall and CPU time, peak memory, documents/s, MB/s, the 2-thread
# speed-up and the ratio to the bare parse. Also `check fixtures/nexus` (the pre-commit size).
#
# Usage: scripts/bench.sh [RUNS] [SIZES...]   (default: 5 runs, sizes 10000 50000)
# Needs a release build (cargo build --release), python3 and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
shift || true
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(10000 50000); fi
BIN=target/release/nexus-lint
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Copies fixtures/real into $1 until it holds at least $2 documents; prints "documents bytes"
# (YAML only: what both check and the bare parse read).
generate() {
    python3 - "$1" "$2" <<'PY'
import os, re, sys
out, want = sys.argv[1], int(sys.argv[2])
src = "fixtures/real"
files = []
for root, _, names in os.walk(src):
    for n in sorted(names):
        p = os.path.join(root, n)
        if root == src and n.endswith(".md"):
            continue
        with open(p, "rb") as f:
            files.append((os.path.relpath(p, src), f.read()))
def docs(rel, data):
    if not rel.endswith((".yaml", ".yml")):
        return 0
    return 1 + len(re.findall(rb"(?m)^---[ \t]*$", data[1:]))
per_copy = sum(docs(r, d) for r, d in files)
copies = -(-want // per_copy)
ns = re.compile(rb"(?m)^(\s*namespace:[ \t]*)([A-Za-z0-9][-A-Za-z0-9.]*)")
total_docs = total_bytes = 0
for k in range(copies):
    for rel, data in files:
        text = ns.sub(lambda m: m.group(1) + m.group(2) + b"-c%d" % k, data)
        p = os.path.join(out, "copy-%03d" % k, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(text)
        if rel.endswith((".yaml", ".yml")):
            total_docs += docs(rel, text)
            total_bytes += len(text)
print(total_docs, total_bytes)
PY
}

# Runs a command RUNS times under GNU time; prints the medians "wall cpu peak_kib" (each
# column's own median).
measure() {
    local i col mid=$(((RUNS + 1) / 2))
    : >"$TMP/runs"
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" || true
        tail -n 1 "$TMP/time" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' >>"$TMP/runs"
    done
    for col in 1 2 3; do
        cut -d' ' -f"$col" "$TMP/runs" | sort -g | sed -n "${mid}p"
    done | paste -sd' '
}

echo "load: $(uptime | sed 's/.*load average: //')  ($(nproc) cores, $RUNS runs each, medians)"
read -r w c m < <(measure "$BIN" check fixtures/nexus --format json --no-config)
printf 'check fixtures/nexus: %.1f ms wall, %.1f ms CPU, %.1f MB peak\n' \
    "$(echo "$w * 1000" | bc -l)" "$(echo "$c * 1000" | bc -l)" "$(echo "$m / 1024" | bc -l)"
for size in "${SIZES[@]}"; do
    dir="$TMP/corpus-$size"
    mkdir -p "$dir"
    read -r docs bytes < <(generate "$dir" "$size")
    mb=$(echo "$bytes / 1000000" | bc -l)
    printf '\ncorpus of %d documents, %.1f MB of YAML (%s)\n' "$docs" "$mb" "$(uptime | sed 's/.*load average: //')"
    printf '  %-28s %8s %8s %9s %10s %8s\n' run "wall s" "CPU s" "peak MB" "docs/s" "MB/s"
    declare -A wall=()
    for run in bare check-1 check-2; do
        case $run in
            bare) read -r w c m < <(measure "$BIN" bare-parse "$dir") ;;
            check-1) read -r w c m < <(measure env RAYON_NUM_THREADS=1 "$BIN" check "$dir" --format json --no-config) ;;
            check-2) read -r w c m < <(measure env RAYON_NUM_THREADS=2 "$BIN" check "$dir" --format json --no-config) ;;
        esac
        wall[$run]=$w
        printf '  %-28s %8.2f %8.2f %9.1f %10.0f %8.1f\n' "$run" "$w" "$c" "$(echo "$m / 1024" | bc -l)" \
            "$(echo "$docs / $w" | bc -l)" "$(echo "$mb / $w" | bc -l)"
    done
    printf '  2 threads vs 1: %.2fx faster; check (2 threads) / bare parse: %.2f; peak-memory budget (2x input + 50 MB): %.0f MB\n' \
        "$(echo "${wall[check-1]} / ${wall[check-2]}" | bc -l)" "$(echo "${wall[check-2]} / ${wall[bare]}" | bc -l)" \
        "$(echo "2 * $mb + 50" | bc -l)"
    rm -rf "$dir"
done
