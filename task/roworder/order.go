package roworder

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/task/rows"
)

// Order computes, for the rows of a cached batch, the group id, the split
// hash H, the shard-order hash H2 and the row id.
type Order struct {
	k kernel.Kernels // hashes and assigns
	// OneSplit: the plan assigns no splits (it has one); every row is in
	// split 0 and LoadAssign only hashes.
	OneSplit bool
	gk       *rows.GroupKeys
	gg       rows.GlobalGroups
	seed     uint64
	// per input file, the hash of its path: the (file, row) key
	fileHashes []uint64
	key        []uint64
	// H are the split hashes, H2 the shard-order hashes, RowID the row
	// ids and Group the global group ids of the batch last loaded;
	// SplitI its splits.
	H      []uint64
	H2     []uint64
	RowID  []uint64
	SplitI []int8
	Group  []int32
}

// New prepares the order of cached rows (of schema cache) grouped by the
// split.by columns splitBy into the job's global groups, hashed with the
// split seed; fileHashes are the hashes of the input files' paths (for the
// (file, row) key), k the kernels that hash and assign.
func New(cache *arrow.Schema, splitBy []string, groups map[string]int32, seed uint64, fileHashes []uint64, k kernel.Kernels) (*Order, error) {
	gk, err := rows.NewGroupKeys(cache, splitBy)
	if err != nil {
		return nil, err
	}
	return &Order{k: k, gk: gk, gg: rows.GlobalGroups{IDs: groups}, seed: seed, fileHashes: fileHashes}, nil
}

// loadKeys fills rowid and key for b: the cached __key, or without one the
// (file, row) key recomputed from the row id.
func (o *Order) loadKeys(b arrow.RecordBatch) error {
	var err error
	if o.RowID, err = rows.Uint64Col(b, rows.ColRowID, o.RowID); err != nil {
		return err
	}
	if len(b.Schema().FieldIndices(rows.ColKey)) > 0 {
		o.key, err = rows.Uint64Col(b, rows.ColKey, o.key)
		return err
	}
	o.key = rows.Resize(o.key, len(o.RowID))
	for i, id := range o.RowID {
		f := id >> 40
		if f >= uint64(len(o.fileHashes)) {
			return fmt.Errorf("internal: row id %#x names file %d of %d", id, f, len(o.fileHashes))
		}
		o.key[i] = hashing.FileRow(o.fileHashes[f], int64(id&(1<<40-1)))
	}
	return nil
}

// loadGroups fills rowid, key and group for b and sizes h (and h2 when
// shard is true).
func (o *Order) loadGroups(b arrow.RecordBatch, shard bool) error {
	if err := o.loadKeys(b); err != nil {
		return err
	}
	n := len(o.key)
	o.H = rows.Resize(o.H, n)
	if shard {
		o.H2 = rows.Resize(o.H2, n)
	}
	var err error
	if c, ok := o.gk.SingleDict(b); ok {
		o.Group, err = o.gg.DictRows(c)
		return err
	}
	local, keys := o.gk.Rows(b)
	o.Group, err = o.gg.Rows(local, keys)
	return err
}

// Load fills group, h, rowid (and h2 when shard is true) for batch b.
func (o *Order) Load(b arrow.RecordBatch, shard bool) error {
	if err := o.loadGroups(b, shard); err != nil {
		return err
	}
	var h2 []uint64
	if shard {
		h2 = o.H2
	}
	return o.k.RowHashes(o.seed, o.key, o.H, h2)
}

// LoadAssign is load (with h2) followed by assign, in one kernel call: on
// a device the split hashes stay there between hashing and assignment
// (o.H is then not filled); only h2 and the splits come back.
func (o *Order) LoadAssign(b arrow.RecordBatch, cuts *split.Boundaries) ([]int8, error) {
	if err := o.loadGroups(b, true); err != nil {
		return nil, err
	}
	o.SplitI = rows.Resize(o.SplitI, len(o.key))
	if o.OneSplit {
		clear(o.SplitI)
		return o.SplitI, o.k.RowHashes(o.seed, o.key, o.H, o.H2)
	}
	if err := o.k.HashAndAssign(o.seed, cuts, o.key, o.Group, o.RowID, o.H, o.H2, o.SplitI); err != nil {
		return nil, err
	}
	return o.SplitI, nil
}

// Assign computes the split of every row from the split boundaries.
func (o *Order) Assign(cuts *split.Boundaries) ([]int8, error) {
	o.SplitI = rows.Resize(o.SplitI, len(o.H))
	if err := o.k.AssignSplits(cuts, o.Group, o.H, o.RowID, o.SplitI); err != nil {
		return nil, err
	}
	return o.SplitI, nil
}

// SplitGroups returns the split index of every row as an int32 group id
// (for the shard windows, whose groups are the splits).
func SplitGroups(s []int8, out []int32) []int32 {
	out = rows.Resize(out, len(s))
	for i, v := range s {
		out[i] = int32(v)
	}
	return out
}
