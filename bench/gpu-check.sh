#!/usr/bin/env bash
# gpu-check.sh: on a machine with an NVIDIA GPU and driver, run the GPU
# kernel conformance suite on the real device (beside the emulated one and
# the CPU engine) and the kernel benchmarks, GPU beside CPU.
#   bench/gpu-check.sh [benchtime]     (default benchtime 2s)
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v nvidia-smi >/dev/null; then
	nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv
fi
export SLUICE_GPU_REAL=1
echo "== conformance: CPU engine vs emulated device vs real GPU"
# Every kernel (hash incl. strings, splits, transforms, vocab/onehot,
# moments, group and value counts, group-by aggregation, filter,
# compaction), the runtime (pool, pinned staging, streams, device batches,
# out-of-memory fallback).
go test -count=1 -run 'Conformance|Log1p|PTX|Engine|OutOfMemory|Unsupported|ThreadSanitizer|Pool|Streams|Pipeline|DeviceBatch|Filter|GroupAggregate' ./exec/gpu/
echo "== benchmarks: GPU (real device) beside CPU, same data, same run"
# HashColumn, ApplyZScore, Moments, GroupCount, Compact, HashStrings,
# VocabDict, ValueCounts, Filter, GroupAggregate: each as cpu/ and device/
# sub-benchmarks.
go test -count=1 -run '^$' -bench . -benchtime "${1:-2s}" ./exec/gpu/
