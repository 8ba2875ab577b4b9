#!/usr/bin/env bash
# nexus-lint GitHub Action, step 3: check, report, and optionally simulate.
#
# One `nexus-lint check` run writes the annotations (stdout, read by the runner), the SARIF file
# and the Markdown job summary. Then, with `simulate: on`, `nexus-lint simulate` if this
# nexus-lint has it (a notice otherwise). The step's exit code is the worst of the two.
# Inputs arrive only as INPUT_* environment variables, never interpolated into the script.
set -euo pipefail

bin="${NEXUS_LINT_BIN:-nexus-lint}"
out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/nexus-lint.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Paths: split on whitespace, without glob expansion.
set -f
read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
set +f
if [ "${#paths[@]}" -eq 0 ]; then paths=(.); fi

is_on() {
  case "$1" in
    on | true | yes | 1) return 0 ;;
    off | false | no | 0 | '') return 1 ;;
    *)
      echo "::error title=nexus-lint::input \`$2\` must be on or off"
      exit 2
      ;;
  esac
}
annotations=true
if ! is_on "${INPUT_ANNOTATIONS:-true}" annotations; then annotations=false; fi
simulate=false
if is_on "${INPUT_SIMULATE:-off}" simulate; then simulate=true; fi

args=(check --format github --output "$work/annotations.txt" --report "markdown=$work/summary.md")
args+=(--fail-on "${INPUT_FAIL_ON:-warning}")
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
sarif="${INPUT_SARIF_FILE:-}"
if [ -n "$sarif" ]; then
  mkdir -p "$(dirname -- "$sarif")"
  args+=(--report "sarif=$sarif")
fi

set +e
"$bin" "${args[@]}" -- "${paths[@]}"
code=$?
set -e

errors=0
warnings=0
if [ -f "$work/annotations.txt" ]; then
  errors="$(grep -c '^::error ' "$work/annotations.txt" || true)"
  warnings="$(grep -c '^::warning ' "$work/annotations.txt" || true)"
  if [ "$annotations" = true ]; then cat "$work/annotations.txt"; fi
fi
if [ -f "$work/summary.md" ]; then cat "$work/summary.md" >>"$summary"; fi
if [ -n "$sarif" ] && [ ! -f "$sarif" ]; then sarif=""; fi

if [ "$simulate" = true ]; then
  if "$bin" simulate --help >/dev/null 2>&1; then
    # Races as annotations; the master seed (printed on stderr) reproduces them.
    sim=(simulate --format github --output "$work/simulate.txt" --trials "${INPUT_SIMULATE_TRIALS:-1000}")
    sim+=(--fail-on "${INPUT_FAIL_ON:-warning}")
    if [ -n "${INPUT_SIMULATE_SEED:-}" ]; then sim+=(--seed "$INPUT_SIMULATE_SEED"); fi
    if [ -n "${INPUT_CONFIG:-}" ]; then sim+=(--config "$INPUT_CONFIG"); fi
    set +e
    "$bin" "${sim[@]}" -- "${paths[@]}"
    sim_code=$?
    set -e
    if [ -f "$work/simulate.txt" ]; then
      errors=$((errors + $(grep -c '^::error ' "$work/simulate.txt" || true)))
      warnings=$((warnings + $(grep -c '^::warning ' "$work/simulate.txt" || true)))
      if [ "$annotations" = true ]; then cat "$work/simulate.txt"; fi
      printf '\n%s: %s race and stall findings.\n' "\`nexus-lint simulate\`" \
        "$(grep -c '^::\(error\|warning\) ' "$work/simulate.txt" || true)" >>"$summary"
    fi
    if [ "$sim_code" -gt "$code" ]; then code=$sim_code; fi
  else
    version="$("$bin" --version)"
    echo "::notice title=nexus-lint::simulate is not available in ${version}; skipped"
    printf '\n%s is not available in %s; skipped.\n' "\`nexus-lint simulate\`" "$version" >>"$summary"
  fi
fi

{
  echo "exit-code=$code"
  echo "sarif-file=$sarif"
  echo "errors=$errors"
  echo "warnings=$warnings"
} >>"$out"
exit "$code"
