#!/usr/bin/env bash
# nexus-lint GitHub Action, step 2: install the pinned nexus-lint into $NEXUS_LINT_ROOT/bin.
#
# - A released binary (NEXUS_LINT_RELEASE_URL, from action/releases.txt): downloaded, checked
#   against NEXUS_LINT_RELEASE_SHA256 before it is unpacked; a mismatch fails the step.
# - Otherwise the binary restored from the cache, if it reports the pinned version.
# - Otherwise `cargo install --locked` from the action's own source (GITHUB_ACTION_PATH).
# Writes `bin=<path of the binary>` to $GITHUB_OUTPUT. Network: only this installation.
set -euo pipefail

version="${NEXUS_LINT_VERSION:?}"
root="${NEXUS_LINT_ROOT:?}"
out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
exe=""
if [ "${RUNNER_OS:-}" = "Windows" ]; then exe=".exe"; fi
bin="$root/bin/nexus-lint$exe"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

if [ -n "${NEXUS_LINT_RELEASE_URL:-}" ]; then
  expected="${NEXUS_LINT_RELEASE_SHA256:-}"
  if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error title=nexus-lint::the release table has no valid sha256 for nexus-lint $version"
    exit 2
  fi
  work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/nexus-lint-install.XXXXXX")"
  echo "Downloading nexus-lint $version"
  curl --fail --silent --show-error --location --proto '=https,file' --retry 3 \
    --output "$work/nexus-lint.tar.gz" "$NEXUS_LINT_RELEASE_URL"
  actual="$(sha256_of "$work/nexus-lint.tar.gz")"
  if [ "$actual" != "$expected" ]; then
    echo "::error title=nexus-lint::checksum mismatch for the nexus-lint $version archive (expected $expected, got $actual); not installed"
    rm -rf "$work"
    exit 2
  fi
  tar -xzf "$work/nexus-lint.tar.gz" -C "$work"
  mkdir -p "$root/bin"
  install -m 755 "$work/nexus-lint$exe" "$bin"
  rm -rf "$work"
elif [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "nexus-lint $version" ]; then
  echo "nexus-lint $version restored from the cache"
else
  action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error title=nexus-lint::no released binary for this runner and no cargo to build nexus-lint $version"
    exit 2
  fi
  echo "Building nexus-lint $version from the action's source (cached for later runs)"
  cargo install --locked --force --quiet --path "$action_path" --root "$root"
fi

echo "Using $("$bin" --version)"
echo "bin=$bin" >>"$out"
