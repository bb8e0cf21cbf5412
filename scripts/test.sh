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
# Explicit file list: `node --test DIR` would also load every helper module
# under a directory named "test" as a test file.
mapfile -t files < <(find build/test/unit build/test/integration build/test/e2e -name '*.test.js' 2>/dev/null | sort)
# Integration tests share the kernel; run files one at a time.
exec node --test --test-concurrency=1 "${files[@]}"
