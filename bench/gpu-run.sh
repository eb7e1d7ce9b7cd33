#!/usr/bin/env bash
# gpu-run.sh: the device check, run from a pack made by bench/gpu-pack.sh
# on a machine with an NVIDIA GPU and driver; needs no Go, no network.
#   bench/gpu-run.sh PACK OUT
# Steps, each logged under OUT (summary.txt lists their results):
#   1. nvidia-smi
#   2. the conformance suite on the device, up to CHECK_ROWS rows a batch
#      (several pipeline pieces on both streams, a pool under pressure),
#      and the tests of the driver binding
#   3. the example job on the cpu and the device engine: every shard's
#      sha256 must be equal (engine.fallback: error on the device)
#   4. `driver bench --engines cpu,ENGINE` on BENCH_ROWS rows
# Environment: ENGINE (gpu; gpu-emulated checks the harness on any
# machine, at small sizes, and its timings are not GPU timings),
# CHECK_ROWS (3000000), JOB_ROWS (2000000), BENCH_ROWS (33319019),
# BUDGET (seconds for all steps, 470), THREADS (all cores), CHECK_TESTS
# (the tests of step 2, a -test.run pattern; default all the device tests).
set -uo pipefail
pack=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
engine=${ENGINE:-gpu}
check_rows=${CHECK_ROWS:-3000000}
job_rows=${JOB_ROWS:-2000000}
bench_rows=${BENCH_ROWS:-33319019}
budget=${BUDGET:-470}
threads=${THREADS:-$(nproc)}
check_tests=${CHECK_TESTS:-'Conformance|Log1p|PTXEntries|Sticky|DriverErrorNamed|PoolFailure|PoolPressure|CallLoop|OutOfMemory|Unsupported|Filter|GroupAggregate|Pipeline|Streams|DeviceBatch|Pool'}
start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LD_LIBRARY_PATH="$pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary="$out/summary.txt"
: >"$summary"
failed=0

# left prints the seconds of the budget still left (at least 10).
left() { local l=$((budget - ($(date +%s) - start))); [ "$l" -lt 10 ] && l=10; echo "$l"; }
# step NAME CAP CMD...: runs CMD with a timeout of min(CAP, what is left),
# its output in OUT/NAME.log, its result in the summary.
step() {
	local name=$1 cap=$2 t0 rc lim
	shift 2
	lim=$(left)
	[ "$cap" -lt "$lim" ] && lim=$cap
	t0=$(date +%s)
	echo "== $name (timeout ${lim}s)"
	timeout "$lim" "$@" >"$out/$name.log" 2>&1
	rc=$?
	local msg="$name: rc=$rc $(($(date +%s) - t0))s"
	[ "$rc" -eq 124 ] && msg="$msg (timed out)"
	echo "$msg" | tee -a "$summary"
	tail -n 5 "$out/$name.log"
	[ "$rc" -ne 0 ] && failed=1
	return "$rc"
}

for b in driver gpu.test cuda.test; do
	gzip -dc "$pack/bin/$b.gz" >"$work/$b" && chmod +x "$work/$b" || { echo "cannot unpack $b" | tee -a "$summary"; exit 1; }
done
mkdir -p "$work/gpu"
echo "engine=$engine check_rows=$check_rows job_rows=$job_rows bench_rows=$bench_rows threads=$threads" | tee -a "$summary"

# 1. The device.
if [ "$engine" = gpu ]; then
	step 1-nvidia-smi 30 nvidia-smi
	conf_env=(SLUICE_GPU_REAL=1 SLUICE_GPU_ONLY=1)
else
	echo "1-nvidia-smi: skipped, $engine is not a GPU (its timings are not GPU timings)" | tee -a "$summary"
	conf_env=()
fi

# 2. The conformance suite on the device (exec/gpu), then the driver
# binding's tests (exec/gpu/cuda); not TestPTXCurrent (exec/gpu/kernels):
# it reads the kernel sources, which the pack does not carry.
(cd "$work/gpu" && step 2-conformance 240 env "${conf_env[@]}" SLUICE_GPU_ROWS="$check_rows" "$work/gpu.test" \
	-test.count=1 -test.timeout=230s -test.run "$check_tests")
[ $? -ne 0 ] && failed=1
(cd "$work/gpu" && step 2-cuda 60 env "${conf_env[@]}" "$work/cuda.test" \
	-test.count=1 -test.timeout=50s -test.run "$check_tests")
[ $? -ne 0 ] && failed=1

# 3. The example job on both engines: equal shards.
for e in cpu "$engine"; do
	step "3-example-$e" 150 "$work/driver" submit "$pack/citibike.yaml" --engine "$e" --local "$threads" --quiet --no-cache \
		--set "input.generate.rows=$job_rows" --set "output.path=$work/example-$e" --set engine.fallback=error \
		--work-dir "$work/scratch"
done
sums() { (cd "$1" && find . -type f ! -name manifest.json -print0 | sort -z | xargs -0 sha256sum); }
if [ -d "$work/example-cpu" ] && [ -d "$work/example-$engine" ]; then
	sums "$work/example-cpu" >"$out/3-sums-cpu.txt"
	sums "$work/example-$engine" >"$out/3-sums-$engine.txt"
	cp "$work/example-$engine/manifest.json" "$out/3-manifest-$engine.json" 2>/dev/null
	if [ -s "$out/3-sums-cpu.txt" ] && cmp -s "$out/3-sums-cpu.txt" "$out/3-sums-$engine.txt"; then
		echo "3-shards: $(wc -l <"$out/3-sums-cpu.txt") files, sha256 equal on cpu and $engine" | tee -a "$summary"
	else
		echo "3-shards: DIFFER between cpu and $engine (see 3-sums-*.txt)" | tee -a "$summary"
		failed=1
	fi
else
	echo "3-shards: not compared, a run failed" | tee -a "$summary"
	failed=1
fi

# 4. The benchmark, both engines, all cores.
step 4-bench 400 "$work/driver" bench --engines "cpu,$engine" --peers none --jobs citibike --runs 1 \
	--rows "$bench_rows" --threads "$threads" --out "$out/bench" --data "$work/data" --repo "$work"
[ -f "$out/bench/report.md" ] && cat "$out/bench/report.md" >>"$out/4-bench.log"

echo "total $(($(date +%s) - start))s of ${budget}s; $([ $failed -eq 0 ] && echo PASS || echo FAIL)" | tee -a "$summary"
exit $failed
