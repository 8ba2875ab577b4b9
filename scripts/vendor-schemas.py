#!/usr/bin/env python3
"""Regenerates the schemas vendored under crates/nexus-model/schemas/ from ../shared/data (see crates/nexus-model/schemas/README.md).

Kubernetes: keeps only the keywords nexus-lint's strict validator reads (type, $ref, properties,
additionalProperties, items, required, enum, format, oneOf, x-kubernetes-group-version-kind),
which shrinks the file several times. Compose: copied unchanged.
"""
import json, pathlib, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
shared = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else root.parent / "shared" / "data")
KEEP = {"type", "$ref", "properties", "additionalProperties", "items", "required", "enum",
        "format", "oneOf", "x-kubernetes-group-version-kind"}

def strip(node):
    if isinstance(node, list):
        return [strip(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k not in KEEP:
            continue
        if k == "x-kubernetes-group-version-kind":
            out[k] = v
        elif k == "properties":
            out[k] = {name: strip(s) for name, s in v.items()}
        else:
            out[k] = strip(v)
    return out

src = json.loads((shared / "kubernetes-json-schema/v1.37.0-strict/_definitions.json").read_text())
defs = {name: strip(d) for name, d in sorted(src["$defs"].items())}
(root / "crates/nexus-model/schemas/kubernetes/v1.37.0-strict.json").write_text(
    json.dumps({"$defs": defs}, separators=(",", ":"), sort_keys=True) + "\n")
shutil.copy(shared / "compose-spec/compose-spec.json", root / "crates/nexus-model/schemas/compose/compose-spec.json")
shutil.copy(shared / "compose-spec/LICENSE", root / "crates/nexus-model/schemas/compose/LICENSE")
