#!/usr/bin/env bash
# Reproduces the compiled artifacts (see build.js) from the .sol sources with solc 0.8.30 from npm.
set -euo pipefail
cd "$(dirname "$0")"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
npm install --silent --no-audit --no-fund --prefix "$tools" solc@0.8.30 >/dev/null
NODE_PATH=$tools/node_modules node build.js
