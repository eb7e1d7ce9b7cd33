package expect

import (
	"encoding/binary"
	"fmt"
	"math"
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

// MaxExamples is how many example rows a rule reports.
const MaxExamples = 5

// Hash hashes a unique rule's encoded value (see encodeValue) for
// the expect-unique exchange. The check compares the values themselves
// within equal hashes, so any function is correct; tests swap in a weak
// one to make collisions happen.
var Hash = hashing.Bytes

// Count is one rule's result from one task: the violating rows and
// the first MaxExamples of them in input order.
type Count struct {
	Violations int64     `json:"violations"`
	Examples   []Example `json:"examples,omitempty"`
}

// Example is one violating row: its row id (input file index << 40
// | row in the file, 0-based) and its value as shown to the user.
type Example struct {
	RowID int64  `json:"row_id"`
	Value string `json:"value"`
}

// add counts one violation and keeps it as an example while there is room
// (rows arrive in input order within a task).
func (c *Count) add(rowID int64, value func() string) {
	c.Violations++
	if len(c.Examples) < MaxExamples {
		c.Examples = append(c.Examples, Example{RowID: rowID, Value: value()})
	}
}

// UniqueSchema is the expect-unique exchange's rows: the value's hash,
// its row id and its encoded bytes.
var UniqueSchema = arrow.NewSchema([]arrow.Field{
	{Name: "h", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "rowid", Type: arrow.PrimitiveTypes.Int64},
	{Name: "v", Type: arrow.BinaryTypes.Binary},
}, nil)

// Scan checks one scan task's rows as read.
type Scan struct {
	rules   []*pb.ExpectRule
	parts   int
	derived bool // a rule names a derived column: compute them on the rows as read
	counts  []Count
	w       *shuffle.Writer // nil without unique rules
	path    string
	hashes  []uint64
	rowids  []int64
}

// NewScan prepares the checks of rules on one scan task's rows; nil when
// there are none. parts is the hash partitions of each unique rule's
// values, asRead says whether a column is among the rows as read (a rule
// on another column, a derived one, makes Update derive every column
// first), and path is the file the unique rules' values go to.
func NewScan(rules []*pb.ExpectRule, parts int, asRead func(col string) bool, path string, mem memory.Allocator) (*Scan, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	e := &Scan{rules: rules, parts: max(parts, 1), counts: make([]Count, len(rules))}
	nUnique := 0
	for _, ru := range rules {
		if ru.GetColumn() != "" && !asRead(ru.GetColumn()) {
			e.derived = true
		}
		if ru.GetKind() == RuleUnique {
			nUnique++
		}
	}
	if nUnique > 0 {
		e.path = path
		w, err := shuffle.NewWriter(e.path, UniqueSchema, shuffle.WriterOptions{Partitions: nUnique * e.parts, Codec: exchange.ScratchCodec}, mem)
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
	RuleUnique    = "unique"
	ruleBetween   = "between"
	ruleIn        = "in"
	ruleNullFrac  = "null_fraction_max"
	expectOpLabel = vocab.OpExpect
)

// Update checks a batch of rows as read (the scan columns and __rowid);
// deriveAll appends every derived column to them, for rules on derived
// columns.
func (e *Scan) Update(b arrow.RecordBatch, deriveAll func(arrow.RecordBatch, memory.Allocator) (arrow.RecordBatch, error), mem memory.Allocator) error {
	if e.derived {
		full, err := deriveAll(b, mem)
		if err != nil {
			return err
		}
		defer full.Release()
		b = full
	}
	var err error
	if e.rowids, err = int64Col(b, rows.ColRowID, e.rowids); err != nil {
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
		case RuleUnique:
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
func checkBetween(col arrow.Array, lo, hi float64, rowids []int64, c *Count) {
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
func checkIn(col arrow.Array, vals []*pb.Value, rowids []int64, c *Count) error {
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
func (e *Scan) writeUnique(u int, col arrow.Array, mem memory.Allocator) error {
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
		h := Hash(buf)
		hb.Append(h)
		rb.Append(e.rowids[j])
		vb.Append(buf)
		part = append(part, int32(u*e.parts+int(h%uint64(e.parts))))
	}
	if len(part) == 0 {
		return nil
	}
	ha, ra, va := hb.NewArray(), rb.NewArray(), vb.NewArray()
	rec := array.NewRecordBatch(UniqueSchema, []arrow.Array{ha, ra, va}, int64(len(part)))
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

// DecodeValue shows an encoded value of a column type.
func DecodeValue(t arrow.DataType, v []byte) string {
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

// Finish closes the unique rules' file (when any) and hands over the
// counts per rule and that file's path ("" without unique rules).
func (e *Scan) Finish() ([]Count, string, error) {
	if e.w == nil {
		return e.counts, "", nil
	}
	if _, err := e.w.Close(); err != nil {
		return nil, "", err
	}
	e.w = nil
	return e.counts, e.path, nil
}

// Abort removes an unfinished file of unique values.
func (e *Scan) Abort() {
	if e != nil && e.w != nil {
		e.w.Abort()
	}
}
