#!/bin/sh
# eslint.sh SRCDIR - the JavaScript style gate (meson test `eslint`, suite
# `style`): ESLint with the repo's eslint.config.mjs over the web UI and the
# browser tests, then node's own parser over every module the pages load.
# Exits 77 (skip) when node or ESLint is missing (scripts/install-e2e
# installs ESLint into ./node_modules with npm).
set -eu
cd "${1:-$(dirname "$0")/../..}"

if ! command -v node >/dev/null 2>&1; then
    echo "eslint: SKIP: node is not installed (run scripts/install-e2e)"
    exit 77
fi
if [ ! -f node_modules/eslint/bin/eslint.js ]; then
    echo "eslint: SKIP: ESLint is not installed (run scripts/install-e2e)"
    exit 77
fi
echo "eslint: ESLint $(node node_modules/eslint/bin/eslint.js --version)"
node node_modules/eslint/bin/eslint.js --max-warnings 0 \
    web tests/e2e eslint.config.mjs
echo "eslint: web/ and tests/e2e/ are clean"

# ESLint parses with its own parser; the browser's engine is V8, as node's.
rc=0
for f in web/assets/js/*.js; do
    node --input-type=module --check <"$f" || {
        echo "eslint: $f does not parse as an ES module"
        rc=1
    }
done
[ "$rc" -eq 0 ] && echo "eslint: every web/assets/js module parses"
exit "$rc"
