#!/usr/bin/env bash
# Time and memory of every hostile input (issue 7), measured outside the tests: each input is
# checked by the release binary in a fresh process under /usr/bin/time (wall seconds, peak RSS),
# against the bounds 1 s and 100 MB.
#
#   scripts/hostile.sh            build, run every case, print a table; exit 1 if a bound is missed
#
# Cases: every directory of fixtures/hostile/ (`check .` there, as tests/hostile.rs runs it), and
# the inputs that need a file system or are too large to keep, built here in a temporary
# directory: symlinks and env files out of the checked directory, a FIFO in a walked directory,
# devices and a FIFO as config, a file name full of escape sequences, 2,000 Services over 2,000
# Deployments (and 10,000 over 10,000, to show the cost is linear: its ratio to the Deployments
# alone is printed; its absolute figures are throughput, not a hostile-input bound), and a closed
# pipe (`check fixtures/nexus | head -1` exits 0), and one image at 2,000 versions (NX502).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build --release --locked -q || exit 2
bin=$root/target/release/nexus-lint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
SECS=${SECS:-1.0}
MB=${MB:-100}

# measure NAME DIR EXPECTED_EXIT ARGS... — one row of the table.
measure() {
  local name=$1 dir=$2 want=$3
  shift 3
  local out
  out=$( cd "$dir" && /usr/bin/time -f "%e %M" "$bin" "$@" 2>&1 >/dev/null | tail -1 )
  local code
  code=$( cd "$dir" && "$bin" "$@" >/dev/null 2>&1; echo $? )
  local secs=${out% *} kb=${out#* }
  local mb=$(( kb / 1024 ))
  local ok=PASS
  if ! awk -v s="$secs" -v m="$SECS" 'BEGIN { exit !(s <= m) }' || [ "$mb" -ge "$MB" ] || [ "$code" != "$want" ]; then
    ok=FAIL
    fail=1
  fi
  printf '  %-34s %6.2f s %6d MB  exit %s (want %s)  %s\n' "$name" "$secs" "$mb" "$code" "$want" "$ok"
}

echo "fixtures/hostile (bounds: ${SECS} s, ${MB} MB):"
for d in fixtures/hostile/*/; do
  name=$(basename "$d")
  want=$(sed -n 's/^exit //p' "$d/expected")
  if [ -e "$d/.nexus-lint.yaml" ]; then
    measure "$name" "$d" "${want:-1}" check . --format json
  else
    measure "$name" "$d" "${want:-1}" check . --format json --no-config
    measure "$name (human)" "$d" "${want:-1}" check . --color never --no-config
  fi
done

echo "built inputs:"
# Links and env files out of the checked directory.
mkdir -p "$tmp/links/repo/k8s" "$tmp/links/outside"
echo "aws_secret_access_key = CANARY" >"$tmp/links/outside/credentials"
echo "API_TOKEN=CANARY" >"$tmp/links/outside/secret.env"
cp fixtures/hostile/cr-only/pod.yaml "$tmp/links/repo/k8s/app.yaml"
ln -s "$tmp/links/outside/credentials" "$tmp/links/repo/creds.yaml"
ln -s /proc/self/environ "$tmp/links/repo/env.yaml"
ln -s /proc "$tmp/links/repo/proc"
ln -s "$tmp/links/outside/secret.env" "$tmp/links/repo/linked.env"
printf 'services:\n  api:\n    image: acme/api:1.0.0\n    env_file: [../outside/secret.env, ./linked.env, /etc/shadow]\n' >"$tmp/links/repo/compose.yaml"
measure "symlinks and env files out" "$tmp/links/repo" 1 check . --no-config
if [ -n "$("$bin" check "$tmp/links/repo" --no-config --format json 2>&1 | grep CANARY)" ]; then
  echo "  an outside file was printed: FAIL"
  fail=1
fi

# A FIFO in a walked directory; devices and a FIFO as config.
mkdir -p "$tmp/fifo"
cp fixtures/hostile/cr-only/pod.yaml "$tmp/fifo/pod.yaml"
mkfifo "$tmp/fifo/pipe.yaml" "$tmp/config.fifo"
measure "FIFO in a walked directory" "$tmp/fifo" 2 check . --no-config
measure "--config /dev/zero" "$tmp/fifo" 2 check pod.yaml --config /dev/zero
measure "--config /dev/urandom" "$tmp/fifo" 2 check pod.yaml --config /dev/urandom
measure "--config FIFO" "$tmp/fifo" 2 check pod.yaml --config "$tmp/config.fifo"

# Escape sequences in a file name.
mkdir -p "$tmp/names"
cp fixtures/hostile/cr-only/pod.yaml "$tmp/names/$(printf 'evil\033]0;pwned\007\033[2K.yaml')"
measure "escapes in a file name" "$tmp/names" 1 check . --no-config
if "$bin" check "$tmp/names" --no-config --color never 2>&1 | grep -q "$(printf '\033')"; then
  echo "  a raw escape was printed: FAIL"
  fail=1
fi

# Services over Deployments, n of each, one namespace; and the Deployments alone. Each runs its
# own image (one repository at n versions in one namespace is component version skew, NX502).
selectors() { # N DIR SERVICES(0|1) [ONE_IMAGE(0|1): every Deployment runs acme/app, at its own version]
  python3 - "$@" <<'PY'
import os, sys
n, d, svc = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
one = len(sys.argv) > 4 and sys.argv[4] == "1"
os.makedirs(d, exist_ok=True)
for f in range(0, n, 500):
    with open(f"{d}/m{f:05}.yaml", "w") as out:
        for i in range(f, min(n, f + 500)):
            image = f"acme/app:1.0.{i}" if one else f"acme/app{i}:1.0.0"
            out.write(f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: app{i}}}}}\n  template:\n    metadata: {{labels: {{app: app{i}, tier: web}}}}\n    spec:\n      containers: [{{name: c, image: \"{image}\", readinessProbe: {{tcpSocket: {{port: 80}}}}}}]\n")
            if svc:
                out.write(f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}, namespace: shop}}\nspec:\n  selector: {{app: app{i}, tier: web}}\n  ports: [{{port: 80}}]\n")
PY
}
selectors 2000 "$tmp/sel2k" 1
measure "2,000 Services × 2,000 Deployments" "$tmp/sel2k" 0 check . --no-config
selectors 10000 "$tmp/sel10k" 1
selectors 10000 "$tmp/dep10k" 0
t_both=$( cd "$tmp/sel10k" && /usr/bin/time -f "%e %M" "$bin" check . --no-config --format json 2>&1 >/dev/null | tail -1 )
t_deps=$( cd "$tmp/dep10k" && /usr/bin/time -f "%e %M" "$bin" check . --no-config --format json 2>&1 >/dev/null | tail -1 )
ratio=$(awk -v a="${t_both% *}" -v b="${t_deps% *}" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }')
printf '  %-34s %6.2f s %6d MB  (Deployments alone: %.2f s %d MB; ratio %s, linear is ~2)\n' \
  "10,000 Services × 10,000 Deployments" "${t_both% *}" $(( ${t_both#* } / 1024 )) "${t_deps% *}" $(( ${t_deps#* } / 1024 )) "$ratio"
if awk -v r="$ratio" 'BEGIN { exit !(r > 4) }'; then
  echo "  selectors cost more than linear: FAIL"
  fail=1
fi

# One image at a different version in each of n Deployments of a namespace: n NX502 findings,
# whose "who runs the reference version" was once computed per finding (n² steps: 3.7 s at
# 10,000).
selectors 2000 "$tmp/skew2k" 0 1
measure "2,000 versions of one image" "$tmp/skew2k" 1 check . --no-config

# A closed pipe: exit 0, every time; an input error still exits 2.
codes=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  "$bin" check fixtures/nexus --color never | head -1 >/dev/null
  codes="$codes${PIPESTATUS[0]}"
  "$bin" check fixtures/nexus missing.yaml --color never 2>/dev/null | head -1 >/dev/null
  codes="$codes${PIPESTATUS[0]}"
done
if [ "$codes" = "02020202020202020202" ]; then
  echo "  closed pipe: exit 0 (10 of 10), with an input error exit 2 (10 of 10)       PASS"
else
  echo "  closed pipe: exit codes $codes (want 0 then 2, ten times)       FAIL"
  fail=1
fi
exit $fail
