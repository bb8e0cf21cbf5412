#!/usr/bin/env bash
# The one test command (README, .ci/run): bootstrap, type-check, lint, then the
# unit and integration suites with node's test runner. Integration tests need
# root: they create their own network namespaces and remove them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== type-check and compile tests" >&2
npx tsc -p tsconfig.json
echo "== lint" >&2
npx eslint --max-warnings=0 .
echo "== tests" >&2
suites=(build/test/unit build/test/integration)
[ -d build/test/e2e ] && suites+=(build/test/e2e)
# Integration tests share the kernel; run files one at a time.
exec node --test --test-concurrency=1 "${suites[@]}"
