package budget

import (
	"os"
	"runtime/debug"
)

// ProcessOverhead is what a process may use beyond its executors' budgets:
// the Go runtime, goroutine stacks, encoder and compressor state, the
// writers' page buffers and the bookkeeping of the tasks (row orders,
// picks), none of which is Arrow memory charged to a budget.
const ProcessOverhead = 384 << 20

// SetProcessLimit makes the sum of the process's executor budgets and the
// buffers each keeps for reuse (PoolLimit), plus ProcessOverhead, the Go
// runtime's soft memory limit: the garbage
// collector then works harder as the heap nears it instead of letting
// garbage grow the heap to twice what is live, so the budgets bound the
// process and not only what its tasks hold. A limit the user set in
// GOMEMLIMIT wins, and budgets of 0 (unlimited) set none. It returns the
// limit in force (math.MaxInt64 when none).
func SetProcessLimit(budgets ...int64) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	var sum int64 = ProcessOverhead
	for _, b := range budgets {
		if b <= 0 {
			return debug.SetMemoryLimit(-1)
		}
		sum += b + PoolLimit(b)
	}
	debug.SetMemoryLimit(sum)
	return sum
}
