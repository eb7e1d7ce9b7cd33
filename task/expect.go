package task

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/hashing"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// MaxExpectExamples is how many example rows a rule reports.
const MaxExpectExamples = 5

// ExpectHash hashes a unique rule's encoded value (see encodeValue) for
// the expect-unique exchange. The check compares the values themselves
// within equal hashes, so any function is correct; tests swap in a weak
// one to make collisions happen.
var ExpectHash = hashing.Bytes

// ExpectCount is one rule's result from one task: the violating rows and
// the first MaxExpectExamples of them in input order.
type ExpectCount struct {
	Violations int64           `json:"violations"`
	Examples   []ExpectExample `json:"examples,omitempty"`
}

// ExpectExample is one violating row: its row id (input file index << 40
// | row in the file, 0-based) and its value as shown to the user.
type ExpectExample struct {
	RowID int64  `json:"row_id"`
	Value string `json:"value"`
}

// add counts one violation and keeps it as an example while there is room
// (rows arrive in input order within a task).
func (c *ExpectCount) add(rowID int64, value func() string) {
	c.Violations++
	if len(c.Examples) < MaxExpectExamples {
		c.Examples = append(c.Examples, ExpectExample{RowID: rowID, Value: value()})
	}
}

// uniqueSchema is the expect-unique exchange's rows: the value's hash,
// its row id and its encoded bytes.
var uniqueSchema = arrow.NewSchema([]arrow.Field{
	{Name: "h", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "rowid", Type: arrow.PrimitiveTypes.Int64},
	{Name: "v", Type: arrow.BinaryTypes.Binary},
}, nil)

// expectScan checks one scan task's rows as read.
type expectScan struct {
	rules   []*pb.ExpectRule
	parts   int
	derived bool // a rule names a derived column: compute them on the rows as read
	counts  []ExpectCount
	w       *shuffle.Writer // nil without unique rules
	path    string
	hashes  []uint64
	rowids  []int64
}

// newExpectScan prepares the checks of the bound job's rules; nil when it
// has none.
func (r *Env) newExpectScan(x *TaskContext, t Task) (*expectScan, error) {
	rules := r.bj.GetExpect()
	if len(rules) == 0 {
		return nil, nil
	}
	e := &expectScan{rules: rules, parts: max(int(r.bj.GetExpectPartitions()), 1), counts: make([]ExpectCount, len(rules))}
	nUnique := 0
	for _, ru := range rules {
		if ru.GetColumn() != "" && len(r.scanSchema.FieldIndices(ru.GetColumn())) == 0 {
			e.derived = true
		}
		if ru.GetKind() == ruleUnique {
			nUnique++
		}
	}
	if nUnique > 0 {
		e.path = filepath.Join(x.WorkDir, fmt.Sprintf("expect-%05d-a%d", t.Index, t.Attempt))
		w, err := shuffle.NewWriter(e.path, uniqueSchema, shuffle.WriterOptions{Partitions: nUnique * e.parts, Codec: exchange.ScratchCodec}, x.Mem)
		if err != nil {
			return nil, err
		}
		e.w = w
	}
	return e, nil
}

// Rule kinds, as jobspec names them.
const (
	ruleNotNull   = "not_null"
	ruleUnique    = "unique"
	ruleBetween   = "between"
	ruleIn        = "in"
	ruleNullFrac  = "null_fraction_max"
	expectOpLabel = vocab.OpExpect
)

// update checks a batch of rows as read (the scan columns and __rowid).
func (e *expectScan) update(r *Env, b arrow.RecordBatch, mem memory.Allocator) error {
	if e.derived {
		full, err := r.deriveAll(b, mem)
		if err != nil {
			return err
		}
		defer full.Release()
		b = full
	}
	var err error
	if e.rowids, err = int64Col(b, ColRowID, e.rowids); err != nil {
		return err
	}
	u := 0
	for i, ru := range e.rules {
		if ru.GetColumn() == "" {
			continue
		}
		idx := b.Schema().FieldIndices(ru.GetColumn())
		if len(idx) == 0 {
			return fmt.Errorf("%s: no column %q in the scanned rows", expectOpLabel, ru.GetColumn())
		}
		col := b.Column(idx[0])
		switch ru.GetKind() {
		case ruleNotNull, ruleNullFrac:
			if col.NullN() == 0 {
				continue
			}
			for j := 0; j < col.Len(); j++ {
				if col.IsNull(j) {
					e.counts[i].add(e.rowids[j], func() string { return "null" })
				}
			}
		case ruleBetween:
			checkBetween(col, ru.GetLo(), ru.GetHi(), e.rowids, &e.counts[i])
		case ruleIn:
			if err := checkIn(col, ru.GetInValues(), e.rowids, &e.counts[i]); err != nil {
				return err
			}
		case ruleUnique:
			if err := e.writeUnique(u, col, mem); err != nil {
				return err
			}
			u++
		default:
			return fmt.Errorf("%s: unknown rule %q", expectOpLabel, ru.GetKind())
		}
	}
	return nil
}

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

func int64Col(b arrow.RecordBatch, name string, out []int64) ([]int64, error) {
	idx := b.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("internal: no %s column", name)
	}
	c, ok := b.Column(idx[0]).(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("internal: %s is %s", name, b.Column(idx[0]).DataType())
	}
	return append(out[:0], c.Int64Values()...), nil
}

// checkBetween counts the non-null values outside [lo, hi] (NaN is
// outside).
func checkBetween(col arrow.Array, lo, hi float64, rowids []int64, c *ExpectCount) {
	switch a := col.(type) {
	case *array.Int64:
		for j, v := range a.Int64Values() {
			if f := float64(v); (f < lo || f > hi) && a.IsValid(j) {
				c.add(rowids[j], func() string { return strconv.FormatInt(v, 10) })
			}
		}
	case *array.Float64:
		for j, v := range a.Float64Values() {
			if !(v >= lo && v <= hi) && a.IsValid(j) {
				c.add(rowids[j], func() string { return formatFloat(v) })
			}
		}
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// checkIn counts the non-null values not in the list.
func checkIn(col arrow.Array, vals []*pb.Value, rowids []int64, c *ExpectCount) error {
	switch a := col.(type) {
	case *array.Int64:
		set := map[float64]bool{}
		for _, v := range vals {
			set[pbNumber(v)] = true
		}
		for j, v := range a.Int64Values() {
			if !set[float64(v)] && a.IsValid(j) {
				c.add(rowids[j], func() string { return strconv.FormatInt(v, 10) })
			}
		}
	case *array.Float64:
		set := map[float64]bool{}
		for _, v := range vals {
			set[pbNumber(v)] = true
		}
		for j, v := range a.Float64Values() {
			if !set[v] && a.IsValid(j) {
				c.add(rowids[j], func() string { return formatFloat(v) })
			}
		}
	case *array.Boolean:
		set := map[bool]bool{}
		for _, v := range vals {
			set[v.GetB()] = true
		}
		for j := 0; j < a.Len(); j++ {
			if v := a.Value(j); !set[v] && a.IsValid(j) {
				c.add(rowids[j], func() string { return strconv.FormatBool(v) })
			}
		}
	default:
		set := map[string]bool{}
		for _, v := range vals {
			set[v.GetS()] = true
		}
		str, err := stringer(col)
		if err != nil {
			return err
		}
		for j := 0; j < col.Len(); j++ {
			if col.IsValid(j) && !set[str(j)] {
				c.add(rowids[j], func() string { return strconv.Quote(str(j)) })
			}
		}
	}
	return nil
}

func pbNumber(v *pb.Value) float64 {
	if v.GetKind() == "i" {
		return float64(v.GetI())
	}
	return v.GetF()
}

// stringer reads string values of a plain or dictionary string column.
func stringer(col arrow.Array) (func(int) string, error) {
	switch a := col.(type) {
	case *array.String:
		return a.Value, nil
	case *array.LargeString:
		return a.Value, nil
	case *array.Dictionary:
		if d, ok := a.Dictionary().(*array.String); ok {
			return func(i int) string { return d.Value(a.GetValueIndex(i)) }, nil
		}
	}
	return nil, fmt.Errorf("%s: column type %s is not a string", expectOpLabel, col.DataType())
}

// writeUnique writes the non-null values of unique rule u's column to the
// exchange: partition u*parts + hash%parts.
func (e *expectScan) writeUnique(u int, col arrow.Array, mem memory.Allocator) error {
	enc, err := encoder(col)
	if err != nil {
		return err
	}
	hb := array.NewUint64Builder(mem)
	rb := array.NewInt64Builder(mem)
	vb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer hb.Release()
	defer rb.Release()
	defer vb.Release()
	var part []int32
	var buf []byte
	for j := 0; j < col.Len(); j++ {
		if col.IsNull(j) {
			continue
		}
		buf = enc(buf[:0], j)
		h := ExpectHash(buf)
		hb.Append(h)
		rb.Append(e.rowids[j])
		vb.Append(buf)
		part = append(part, int32(u*e.parts+int(h%uint64(e.parts))))
	}
	if len(part) == 0 {
		return nil
	}
	ha, ra, va := hb.NewArray(), rb.NewArray(), vb.NewArray()
	rec := array.NewRecordBatch(uniqueSchema, []arrow.Array{ha, ra, va}, int64(len(part)))
	ha.Release()
	ra.Release()
	va.Release()
	defer rec.Release()
	return e.w.WritePartitionedRows(rec, nil, part)
}

// encoder returns a function appending the encoding of value j: equal
// encodings exactly when the values are equal (-0 is 0; every NaN is one
// value).
func encoder(col arrow.Array) (func([]byte, int) []byte, error) {
	switch a := col.(type) {
	case *array.Int64:
		return func(b []byte, j int) []byte { return binary.BigEndian.AppendUint64(b, uint64(a.Value(j))) }, nil
	case *array.Timestamp:
		return func(b []byte, j int) []byte { return binary.BigEndian.AppendUint64(b, uint64(a.Value(j))) }, nil
	case *array.Float64:
		return func(b []byte, j int) []byte {
			v := a.Value(j)
			switch {
			case v != v:
				v = math.NaN()
			case v == 0:
				v = 0
			}
			return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		}, nil
	case *array.Boolean:
		return func(b []byte, j int) []byte {
			if a.Value(j) {
				return append(b, 1)
			}
			return append(b, 0)
		}, nil
	}
	str, err := stringer(col)
	if err != nil {
		return nil, err
	}
	return func(b []byte, j int) []byte { return append(b, str(j)...) }, nil
}

// decodeValue shows an encoded value of a column type.
func decodeValue(t arrow.DataType, v []byte) string {
	switch t.ID() {
	case arrow.INT64:
		return strconv.FormatInt(int64(binary.BigEndian.Uint64(v)), 10)
	case arrow.TIMESTAMP:
		us := int64(binary.BigEndian.Uint64(v))
		unit := arrow.Microsecond
		if ts, ok := t.(*arrow.TimestampType); ok {
			unit = ts.Unit
		}
		return arrow.Timestamp(us).ToTime(unit).UTC().Format(time.RFC3339Nano)
	case arrow.FLOAT64:
		return formatFloat(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case arrow.BOOL:
		return strconv.FormatBool(v[0] == 1)
	}
	return strconv.Quote(string(v))
}

// finish closes the exchange (when any) and hands over the counts.
func (e *expectScan) finish(res *ScanResult) error {
	res.Expect = e.counts
	if e.w == nil {
		return nil
	}
	if _, err := e.w.Close(); err != nil {
		return err
	}
	e.w = nil
	res.ExpectPath = e.path
	return nil
}

// abort removes an unfinished exchange.
func (e *expectScan) abort() {
	if e != nil && e.w != nil {
		e.w.Abort()
	}
}
