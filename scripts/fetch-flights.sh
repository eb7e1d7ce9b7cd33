#!/usr/bin/env bash
# Fetches the real flights data (vega-datasets 3.2.1 from the npm registry)
# into data/: flights-3m.parquet and flights-200k.arrow.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
if [ -s data/flights-3m.parquet ] && [ -s data/flights-200k.arrow ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vega-datasets@3.2.1 >/dev/null && tar xzf vega-datasets-3.2.1.tgz)
cp "$tmp/package/data/flights-3m.parquet" "$tmp/package/data/flights-200k.arrow" data/
echo "data/flights-3m.parquet and data/flights-200k.arrow are ready"
