#!/usr/bin/env bash
# Builds the SeaweedFS server (Apache-2.0) that the object-storage tests start
# on 127.0.0.1 as an S3-compatible endpoint, and caches the binary.
#
# `go install` refuses the module (its go.mod has replace directives), so the
# module directory is downloaded from the Go module proxy, copied to a
# writable place and built there. The binary lands at
#   ${SLUICE_WEED:-$HOME/.cache/sluice/weed/weed-$VERSION}
# and a build is skipped when it is already there.
set -euo pipefail
VERSION=v0.0.0-20261109003541-7506e5f91cd6
MODULE=github.com/seaweedfs/seaweedfs
out="${SLUICE_WEED:-$HOME/.cache/sluice/weed/weed-$VERSION}"
if [ -x "$out" ]; then
  echo "seaweedfs: $out (cached)"
  exit 0
fi
mkdir -p "$(dirname "$out")"
dir=$(cd "$(mktemp -d)" && go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "seaweedfs: go mod download $MODULE@$VERSION gave no module directory" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/"
chmod -R u+w "$work"
(cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$out.tmp" ./weed)
mv "$out.tmp" "$out"
echo "seaweedfs: built $out"
