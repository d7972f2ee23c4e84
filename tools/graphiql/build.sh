#!/usr/bin/env bash
# Builds the self-contained GraphiQL page into api/assets/graphiql/ (index.html,
# assets/, MANIFEST.json, THIRD_PARTY_LICENSES.txt) from the locked npm tree.
# Reproducible: two runs give byte-identical files. Needs Node 20+ and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# --ignore-scripts: nothing here needs an install script (esbuild's binary comes
# in its @esbuild/<platform> package), and none may download anything.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf dist .build
NODE_ENV=production ./node_modules/.bin/vite build
node scripts/postbuild.mjs
rm -rf dist .build
