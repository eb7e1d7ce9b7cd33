#!/bin/sh
# gen.sh OUTDIR: compile every kernels/*.cu to OUTDIR/NAME.ptx with
# Debian's clang (no CUDA toolkit). Run from exec/gpu (go generate does).
set -eu
out=${1:-kernels}
here=$(dirname "$0")
for f in "$here"/*.cu; do
	name=$(basename "$f" .cu)
	clang-14 -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_70 \
		-O3 -ffp-contract=off -S "$f" -o "$out/$name.ptx"
done
