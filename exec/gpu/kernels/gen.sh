#!/bin/sh
# gen.sh OUTDIR: compile every *.cu beside this script to OUTDIR/NAME.ptx
# with Debian's clang (no CUDA toolkit). `go generate ./exec/gpu/kernels/`
# runs it with OUTDIR this directory.
set -eu
out=${1:-$(dirname "$0")}
here=$(dirname "$0")
for f in "$here"/*.cu; do
	name=$(basename "$f" .cu)
	clang-14 -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_70 \
		-O3 -ffp-contract=off -S "$f" -o "$out/$name.ptx"
done
