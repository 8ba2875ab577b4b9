#!/usr/bin/env bash
# nexus-lint GitHub Action, step 1: which nexus-lint to install, and where.
#
# Reads the action's own Cargo.toml (the version it pins) and action/releases.txt (released
# binaries with their sha256). Writes to $GITHUB_OUTPUT:
#   version         the pinned version
#   root            the install root (its bin/ holds nexus-lint), cached between runs
#   cache-key       the cache key: runner, version, the action's ref and the hash of Cargo.lock
#   release-url     the released archive for this runner, or empty (then install.sh builds)
#   release-sha256  its sha256
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
if [ -z "$version" ]; then
  echo "::error title=nexus-lint::cannot read the version from the action's Cargo.toml"
  exit 2
fi

case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
  Linux/X64) target=x86_64-unknown-linux-gnu ;;
  Linux/ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target=unknown ;;
esac

url=""
sha=""
if [ -f "$action_path/action/releases.txt" ]; then
  # VERSION TARGET SHA256 URL; comments and blank lines skipped.
  while read -r v t s u; do
    case "$v" in '' | '#'*) continue ;; esac
    if [ "$v" = "$version" ] && [ "$t" = "$target" ]; then
      url="$u"
      sha="$s"
    fi
  done <"$action_path/action/releases.txt"
fi

if command -v sha256sum >/dev/null 2>&1; then
  lock_hash="$(sha256sum "$action_path/Cargo.lock" | cut -c1-16)"
else
  lock_hash="$(shasum -a 256 "$action_path/Cargo.lock" | cut -c1-16)"
fi
ref="${GITHUB_ACTION_REF:-local}"
ref="${ref//[^A-Za-z0-9._-]/_}"

{
  echo "version=$version"
  echo "root=${HOME}/.nexus-lint/${version}"
  echo "cache-key=nexus-lint-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-${version}-${ref}-${lock_hash}"
  echo "release-url=$url"
  echo "release-sha256=$sha"
} >>"$out"
