package task

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/expect"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// UniqueResult is what one expect-unique task reports: one unique rule's
// violations within one hash partition of its values.
type UniqueResult struct {
	Rule   int          `json:"rule"` // index into the bound job's expect rules
	Count  expect.Count `json:"count"`
	Values int64        `json:"values"` // non-null values read
	Runs   int          `json:"runs"`   // sorted runs spilled to disk (0: sorted in memory)
	taskReport
}

// Counts are the values the task read.
func (u *UniqueResult) Counts() (int64, int64) { return u.Values, 0 }

// ExpectPartitions is how many hash partitions each unique rule's values
// are cut into (the expect-unique stage has that many tasks per rule).
func (r *Env) ExpectPartitions() int { return max(int(r.bj.GetExpectPartitions()), 1) }

// UniqueRules are the indices of the bound job's unique rules, in order.
func (r *Env) UniqueRules() []int {
	var out []int
	for i, ru := range r.bj.GetExpect() {
		if ru.GetKind() == expect.RuleUnique {
			out = append(out, i)
		}
	}
	return out
}

// expectSortBytes is the memory an expect-unique task sorts in before it
// spills a run: SLUICE_EXPECT_SORT_BYTES, else a quarter of the
// executor's budget within [1 MiB, 512 MiB].
func expectSortBytes(x *TaskContext) int {
	if s := os.Getenv("SLUICE_EXPECT_SORT_BYTES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	n := int64(64 << 20)
	if x.Budget != nil && x.Budget.Limit() > 0 {
		n = x.Budget.Limit() / 4
	}
	return int(min(max(n, 1<<20), 512<<20))
}

// uniqueTask checks partition t.Index of the expect exchange: unique rule
// t.Index / partitions, hash partition t.Index % partitions. It reads the
// partition from every scan task in task order (b.Caches lists their
// expect files), sorts the records by (hash, value, row id) and counts the
// rows whose value repeats.
func (r *Env) uniqueTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	if _, err := x.runsPlan(x.PlanStage, vocab.OpShuffleRead, vocab.OpExpectUnique); err != nil {
		return nil, err
	}
	uniq := r.UniqueRules()
	u := t.Index / r.ExpectPartitions()
	if u < 0 || u >= len(uniq) {
		return nil, fmt.Errorf("expect-unique task %d: %d unique rules of %d partitions", t.Index, len(uniq), r.ExpectPartitions())
	}
	rule := uniq[u]
	colName := r.bj.GetExpect()[rule].GetColumn()
	idx := r.fullSchema.FieldIndices(colName)
	if len(idx) == 0 {
		return nil, fmt.Errorf("expect-unique: no column %q", colName)
	}
	typ := r.fullSchema.Field(idx[0]).Type
	s := expect.NewSorter(x.WorkDir, fmt.Sprintf("expect-sort-%05d-%d-a%d", t.Stage, t.Index, t.Attempt), expectSortBytes(x))
	defer s.Cleanup()
	res := &UniqueResult{Rule: rule}
	for _, loc := range b.Caches {
		if loc.Path == "" {
			return nil, fmt.Errorf("expect-unique: a scan task wrote no expect file")
		}
		err := exchange.ForEach(ctx, x.Files, loc, t.Index, x.Mem, func(batch arrow.RecordBatch) error {
			hs := batch.Column(0).(*array.Uint64).Uint64Values()
			ids := batch.Column(1).(*array.Int64).Int64Values()
			vs := batch.Column(2).(*array.Binary)
			for i := range hs {
				if err := s.Add(hs[i], ids[i], vs.Value(i)); err != nil {
					return err
				}
			}
			res.Values += int64(len(hs))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	d := &expect.Duplicates{Show: func(v []byte) string { return expect.DecodeValue(typ, v) }}
	if err := s.Each(d.Add); err != nil {
		return nil, err
	}
	res.Runs = s.Spilled()
	res.Count = d.Count
	return res, nil
}

// readsColumn reports whether a column is among the rows as read (the
// scan columns), before the derived ones.
func (r *Env) readsColumn(col string) bool { return len(r.scanSchema.FieldIndices(col)) > 0 }

// deriveAll appends every derived column to rows as read (for rules on
// derived columns when the filter runs first).
func (r *Env) deriveAll(b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	b.Retain()
	cur := b
	for i, d := range r.derived {
		c, err := d.Eval(cur, mem)
		if err != nil {
			cur.Release()
			return nil, fmt.Errorf("columns.%s: %w", r.derivedCols[i], err)
		}
		next, err := rows.AppendColumns(cur, mem, []string{r.derivedCols[i]}, c)
		cur.Release()
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}
