package barrier

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/rows"
)

// State is what the driver learns between stages.
type State struct {
	Scans        []*task.ScanResult
	Groups       map[string]int32 // encoded split.by key -> dense group id
	GroupRows    []int64          // rows per group
	SplitRows    []int64          // rows per split (exact, from the counts)
	SplitTargets []split.Target
	SplitCuts    []byte // split.Boundaries, as broadcast
	ShardCuts    []byte
	Fit          *task.Fitted
	Shards       [][]shard.Info // [split][shard]
	Aggregates   []sink.AggregateTable
	Profiles     *sink.Profiles // from the shard-write stage
	Slices       *sink.Slices
	Expect       *sink.Expectations   // nil without an expect section
	Unique       []*task.UniqueResult // the expect-unique stage's results, in task order
}

// Caches lists where each scan task's cached rows are.
func (d *State) Caches() []task.Location {
	out := make([]task.Location, len(d.Scans))
	for i, s := range d.Scans {
		out[i] = task.Location{Executor: s.Executor, Path: s.CachePath}
	}
	return out
}

// MergeScans is the driver's side of the scan: the dense group ids (the
// groups sorted by encoded key) and the exact rows of every split from the
// group counts. warning is set when split.by is null in every row.
func (d *State) MergeScans(job *jobspec.Job) (warning string, err error) {
	total := map[string]int64{}
	for _, s := range d.Scans {
		for i := range s.GroupCounts.Len() {
			k, c := s.GroupCounts.At(i)
			if _, ok := total[k]; !ok {
				k = strings.Clone(k) // not the task's whole key string
			}
			total[k] += c
		}
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if by := job.Split.By; len(by) > 0 && len(keys) == 1 && keys[0] == strings.Repeat(rows.NullKey, len(by)) {
		warning = fmt.Sprintf("split.by: %s is null in every row, so the split is not stratified (all %d rows are one group)",
			strings.Join(by, ", "), total[keys[0]])
	}
	d.Groups = make(map[string]int32, len(keys))
	d.GroupRows = make([]int64, len(keys))
	for i, k := range keys {
		d.Groups[k] = int32(i)
		d.GroupRows[i] = total[k]
	}
	ratios := make([]float64, len(job.Split.Ratios))
	for i, rt := range job.Split.Ratios {
		ratios[i] = rt.Value
	}
	d.SplitRows = make([]int64, len(ratios))
	for _, n := range d.GroupRows {
		counts, err := split.Allocate(n, ratios)
		if err != nil {
			return warning, err
		}
		for i, c := range counts {
			d.SplitRows[i] += c
		}
	}
	d.SplitTargets, err = split.SplitTargets(d.GroupRows, ratios)
	return warning, err
}

// Boundaries builds a boundary table and encodes it for broadcast.
func Boundaries(groups int, targets []split.Target, keys []split.Bound) ([]byte, error) {
	b, err := split.BuildBoundaries(groups, targets, keys)
	if err != nil {
		return nil, err
	}
	return b.MarshalBinary()
}

// AllTrivial reports whether no target needs a scan (rank 0 or N).
func AllTrivial(ts []split.Target) bool {
	for _, t := range ts {
		if t.Rank > 0 && t.Rank < t.N {
			return false
		}
	}
	return true
}
