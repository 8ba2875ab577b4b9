#!/usr/bin/env bash
# Starts a rule: its documentation, its code and a fixture, each failing the tests until filled.
#
#   scripts/new-rule.sh <family> <CODE> <name>
#   scripts/new-rule.sh health NX603 liveness-checks-dependency
#
# Writes rules/<family>/<CODE>-<name>.md, crates/nexus-rules/src/<family>/<name_with_underscores>.rs
# and fixtures/<family>/<name>/platform.yaml. Nothing else needs editing: the registry is
# generated from rules/ by crates/nexus-rules/build.rs. See CONTRIBUTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
family=$1 code=$2 name=$3
case "$family:$code" in
  input:NX0??|startup:NX1??|migrations:NX2??|scaling:NX3??|config:NX4??|versions:NX5??|health:NX6??|network:NX7??|backup:NX8??|simulation:NX9??) ;;
  *) echo "new-rule: $code is not a code of family $family" >&2; exit 2 ;;
esac
[[ $name =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] || { echo "new-rule: name it in kebab-case" >&2; exit 2; }
module=${name//-/_}
doc=rules/$family/$code-$name.md
src=crates/nexus-rules/src/$family/$module.rs
fixture=fixtures/$family/$name/platform.yaml
for f in "$doc" "$src"; do [ ! -e "$f" ] || { echo "new-rule: $f exists" >&2; exit 2; }; done
if ls rules/*/"$code"-*.md >/dev/null 2>&1; then echo "new-rule: $code is taken" >&2; exit 2; fi
mkdir -p "$(dirname "$doc")" "$(dirname "$src")" "$(dirname "$fixture")"

cat >"$doc" <<MD
# $code $name

One line: what this rule flags.

## What it does

What the rule reads in the model and when it reports; where the finding points.

## Why is this bad?

What breaks in production, and when.

## Example

\`\`\`yaml,expect_diagnostic
# Replace with the smallest manifest that has the defect, and mark its line:
apiVersion: v1
kind: ConfigMap
metadata:
  name: example  # warning: [$name]
\`\`\`

Use instead:

\`\`\`yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: example
\`\`\`

## Options

None.

## References

- A link to the Kubernetes or Compose documentation of what the rule relies on.
MD

cat >"$src" <<RS
//! $code $name: see \`rules/$family/$code-$name.md\`.

use crate::prelude::*;

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Read \`cx.platform\`, and for each finding:
    // out.push(Diagnostic::new(META, span, "what is wrong, with \`values\`").label("…").help("What to do."));
    let _ = (cx, out);
}
RS

cat >"$fixture" <<YAML
# A realistic platform with the defect $code ($name) finds, to replace. Its findings are
# snapshotted by tests/fixtures.rs; the first run fails until the snapshot is reviewed and
# accepted (cargo insta review).
YAML
echo "wrote $doc, $src and $fixture"
