#!/usr/bin/env bash
# Seeds for the fuzz targets, from the repository's fixtures (small files only) and a few
# hand-written inputs. Writes fuzz/seeds/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf seeds && mkdir -p seeds/{yaml,k8s,compose,config,shell,check}
find ../fixtures \( -name "*.yaml" -o -name "*.yml" \) -size -6k | sort | while read -r f; do
  h=$(sha1sum "$f" | cut -c1-16)
  cp "$f" "seeds/yaml/$h"
  if grep -q "apiVersion" "$f"; then cp "$f" "seeds/k8s/$h"; cp "$f" "seeds/check/$h"; fi
  if grep -q "^services:" "$f"; then cp "$f" "seeds/compose/$h"; printf '\0' | cat - "$f" >"seeds/check/c$h"; fi
done
find ../fixtures -name "*.sh" -size -6k | sort | while read -r f; do cp "$f" "seeds/shell/$(sha1sum "$f" | cut -c1-16)"; done
printf 'select: [NX0, NX501]\nignore: [NX005]\nseverity:\n  mutable-image-tag: error\nexclude: [vendor/]\nfail-on: warning\nmax-file-size: 1000\nignores:\n  - rules: [NX501]\n    resource: Deployment/legacy/*\n    path: k8s/**\n    reason: r\n    expires: 2027-03-31\n' >seeds/config/full
printf 'select: []\n' >seeds/config/empty
printf 'services:\n  web:\n    image: ${IMAGE:-nginx}:latest\n    env_file: [config/app.env]\n    extends: {service: base, file: base.yml}\n    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: postgres:16\n    extends: web\n\0IMAGE=web\nDB_PASSWORD=hunter2\n\0services:\n  web:\n    <<: &a {image: x}\n\0A=1\nB="two ${A}"\n\0services:\n  base:\n    image: b:1\n' >seeds/compose/hand
cp ../fixtures/hostile/*/*.yaml seeds/yaml/ 2>/dev/null || true
