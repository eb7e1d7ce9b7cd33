#!/usr/bin/env bash
# gpu-pack.sh: build what the device check (bench/gpu-run.sh) needs on a
# bare GPU machine that has the NVIDIA driver but no Go: the driver
# binary, the test binaries of exec/gpu (the conformance suite) and
# exec/gpu/cuda (the driver binding), the example job and the shared
# libraries beyond glibc that they link, gzipped under
# DIR (default .gpu-pack, ignored by git), at most 64 MiB.
#   bench/gpu-pack.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.gpu-pack}
go=${GO:-go}
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/lib"
$go build -ldflags="-s -w" -o "$dir/bin/driver" ./cmd/driver
$go test -c -ldflags="-s -w" -o "$dir/bin/gpu.test" ./exec/gpu
$go test -c -ldflags="-s -w" -o "$dir/bin/cuda.test" ./exec/gpu/cuda
cp bench/gpu-run.sh examples/citibike.yaml "$dir/"
# Shared libraries beyond glibc (the emulator's C++ runtime, say): the
# device machine may lack them or have other versions.
for b in "$dir"/bin/*; do ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'; done | sort -u |
	while read -r lib; do
		case "$(basename "$lib")" in
		libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux*) ;;
		*) cp -L "$lib" "$dir/lib/" ;;
		esac
	done
gzip -6 "$dir"/bin/*
size=$(du -sb "$dir" | cut -f1)
limit=$((64 << 20))
echo "gpu-pack: $dir is $((size >> 20)) MiB ($(ls "$dir/lib" | tr '\n' ' '))"
if [ "$size" -gt "$limit" ]; then
	echo "gpu-pack: $dir is $size bytes, more than the 64 MiB a device run carries" >&2
	exit 1
fi
