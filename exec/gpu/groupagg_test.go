package gpu

import (
	"errors"
	"fmt"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"

	"github.com/sluice-ml/sluice/exec/gpu/launch"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// gaAggs is every aggregate the device runs, over columns i (int64), f
// (float64 with NaN, ±Inf, ±0) and ts (timestamp[us]).
var gaAggs = []groupby.AggSpec{
	{Name: "n", Func: "count"},
	{Name: "ni", Func: "count", Column: "i"},
	{Name: "nf", Func: "count", Column: "f"},
	{Name: "nts", Func: "count", Column: "ts"},
	{Name: "si", Func: "sum", Column: "i"},
	{Name: "sf", Func: "sum", Column: "f"},
	{Name: "mi", Func: "mean", Column: "i"},
	{Name: "mf", Func: "mean", Column: "f"},
	{Name: "vi", Func: "var", Column: "i"},
	{Name: "vf", Func: "var", Column: "f"},
	{Name: "sdf", Func: "std", Column: "f"},
	{Name: "lo_i", Func: "min", Column: "i"},
	{Name: "hi_i", Func: "max", Column: "i"},
	{Name: "lo_f", Func: "min", Column: "f"},
	{Name: "hi_f", Func: "max", Column: "f"},
	{Name: "lo_ts", Func: "min", Column: "ts"},
	{Name: "hi_ts", Func: "max", Column: "ts"},
}

// gaBatch makes a batch (+1) of n rows: key k (int64, or timestamp[us]
// when tsKey) drawn from distinct values (1: one group) with nulls and the
// key math.MinInt64 (the device table's empty mark), i (int64 with nulls,
// huge values so that sums wrap), f, ts.
func gaBatch(g *gen, n, distinct int, tsKey, sliced bool) arrow.RecordBatch {
	m := n + extra(sliced)
	keys := make([]int64, m)
	kvalid := make([]bool, m)
	for r := range keys {
		keys[r] = int64(g.r.IntN(distinct))*7919 - 1000
		kvalid[r] = distinct == 1 || g.r.IntN(20) != 0
		if distinct > 1 && g.r.IntN(50) == 0 {
			keys[r] = math.MinInt64
		}
	}
	var kt arrow.DataType = arrow.PrimitiveTypes.Int64
	if tsKey {
		kt = &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	kb := array.NewBuilder(g.mem, kt)
	defer kb.Release()
	for r, v := range keys {
		switch b := kb.(type) {
		case *array.Int64Builder:
			b.AppendValues([]int64{v}, []bool{kvalid[r]})
		case *array.TimestampBuilder:
			b.AppendValues([]arrow.Timestamp{arrow.Timestamp(v)}, []bool{kvalid[r]})
		}
	}
	ib := array.NewInt64Builder(g.mem)
	defer ib.Release()
	fb := array.NewFloat64Builder(g.mem)
	defer fb.Release()
	for r := 0; r < m; r++ {
		iv := g.r.Int64N(2_000_001) - 1_000_000
		if g.r.IntN(10) == 0 {
			iv = math.MaxInt64 - g.r.Int64N(1000) // sums overflow and wrap
		}
		ib.AppendValues([]int64{iv}, []bool{g.r.IntN(8) != 0})
		var fv float64
		switch x := g.r.IntN(30); {
		case x == 0:
			fv = math.NaN()
		case x == 1:
			fv = math.Inf(1 - 2*g.r.IntN(2))
		case x == 2:
			fv = math.Copysign(0, float64(1-2*g.r.IntN(2)))
		case x < 10:
			fv = g.r.Float64() * 1e-9
		default:
			fv = g.r.NormFloat64()*300 + 1e6
		}
		fb.AppendValues([]float64{fv}, []bool{g.r.IntN(8) != 0})
	}
	cols := []arrow.Array{
		slice(kb.NewArray(), n, sliced),
		slice(ib.NewArray(), n, sliced),
		slice(fb.NewArray(), n, sliced),
		g.timestamps(n, 0.1, sliced),
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: kt, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: cols[3].DataType(), Nullable: true},
	}, nil)
	rb := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rb
}

// cpuPartial is the oracle: exec/cpu's partial batch of one batch (+1).
func cpuPartial(t *testing.T, mem memory.Allocator, b arrow.RecordBatch, keys []string, aggs []groupby.AggSpec) arrow.RecordBatch {
	t.Helper()
	g, err := groupby.NewGroupBy(keys, aggs, b.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Update(b); err != nil {
		t.Fatal(err)
	}
	pb, err := g.PartialBatch(mem)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

// samePartial fails unless got and want have the same schema, rows,
// validity and value bits (hidden values of null slots included).
func samePartial(t *testing.T, got, want arrow.RecordBatch) {
	t.Helper()
	if !got.Schema().Equal(want.Schema()) {
		t.Fatalf("schema %v, want %v", got.Schema(), want.Schema())
	}
	if got.NumRows() != want.NumRows() {
		t.Fatalf("%d groups, want %d", got.NumRows(), want.NumRows())
	}
	for c := 0; c < int(got.NumCols()); c++ {
		name := got.Schema().Field(c).Name
		gc, wc := got.Column(c), want.Column(c)
		if gc.NullN() != wc.NullN() {
			t.Fatalf("%s: %d nulls, want %d", name, gc.NullN(), wc.NullN())
		}
		gw, ww := words(gc), words(wc)
		for r := range ww {
			if gc.IsValid(r) != wc.IsValid(r) || gw[r] != ww[r] {
				t.Fatalf("%s row %d: %#x (valid %v), want %#x (valid %v)", name, r, gw[r], gc.IsValid(r), ww[r], wc.IsValid(r))
			}
		}
	}
}

// words returns the 8-byte values of an int64, float64 or timestamp array
// as bits.
func words(a arrow.Array) []uint64 {
	out := make([]uint64, a.Len())
	for r := range out {
		switch c := a.(type) {
		case *array.Int64:
			out[r] = uint64(c.Value(r))
		case *array.Timestamp:
			out[r] = uint64(c.Value(r))
		case *array.Float64:
			out[r] = math.Float64bits(c.Value(r))
		}
	}
	return out
}

func TestConformanceGroupAggregate(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		// Key spans: one group, a few, many, nearly all distinct; int64
		// and timestamp[us] keys alternate.
		for j, distinct := range []int{1, 3, 700, 1 << 20} {
			tsKey := j%2 == 1
			t.Run(fmt.Sprintf("distinct=%d/ts=%v", distinct, tsKey), func(t *testing.T) {
				b := gaBatch(g, n, distinct, tsKey, sliced)
				defer b.Release()
				want := cpuPartial(t, g.mem, b, []string{"k"}, gaAggs)
				defer want.Release()
				got, err := aggregate.GroupAggregate(k, g.mem, b, []string{"k"}, gaAggs)
				if err != nil {
					t.Fatal(err)
				}
				defer got.Release()
				samePartial(t, got, want)
			})
		}
	})
}

// TestGroupAggregateManyGroups: 100k distinct keys (three radix passes'
// worth of group ids) and one group over the same rows.
func TestGroupAggregateManyGroups(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		g := newGen(77, mem)
		for _, distinct := range []int{100_000, 1} {
			b := gaBatch(g, 150_000, distinct, false, true)
			if distinct > 1 {
				// Make the first 100k rows' keys distinct: at least 100k groups.
				keys := b.Column(0).(*array.Int64).Int64Values()
				for r := 0; r < 100_000; r++ {
					keys[r] = int64(r) * 3
				}
			}
			want := cpuPartial(t, mem, b, []string{"k"}, gaAggs)
			got, err := aggregate.GroupAggregate(d.k, mem, b, []string{"k"}, gaAggs)
			if err != nil {
				t.Fatal(d.name, err)
			}
			if distinct > 1 && want.NumRows() < 100_000 {
				t.Fatalf("only %d groups", want.NumRows())
			}
			samePartial(t, got, want)
			got.Release()
			want.Release()
			b.Release()
		}
		mem.AssertSize(t, 0)
	}
}

// TestGroupAggregateMerges: device partials of several batches merged into
// a CPU GroupBy give the final result of CPU partials merged the same way.
func TestGroupAggregateMerges(t *testing.T) {
	mem := newCheckedMem(t)
	k := devicesUnderTest(t)[0].k
	g := newGen(5, mem)
	schemaOf := func() *arrow.Schema {
		b := gaBatch(g, 1, 2, false, false)
		defer b.Release()
		return b.Schema()
	}()
	dev, err := groupby.NewGroupBy([]string{"k"}, gaAggs, schemaOf)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := groupby.NewGroupBy([]string{"k"}, gaAggs, schemaOf)
	for i := 0; i < 3; i++ {
		b := gaBatch(g, 2000, 50, false, i == 1)
		pb, err := aggregate.GroupAggregate(k, mem, b, []string{"k"}, gaAggs)
		if err != nil {
			t.Fatal(err)
		}
		if err := dev.MergePartial(pb); err != nil {
			t.Fatal(err)
		}
		cb := cpuPartial(t, mem, b, []string{"k"}, gaAggs)
		if err := ref.MergePartial(cb); err != nil {
			t.Fatal(err)
		}
		pb.Release()
		cb.Release()
		b.Release()
	}
	got, err := dev.Final(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	want, err := ref.Final(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Release()
	samePartial(t, got, want)
}

func TestGroupAggregateUnsupported(t *testing.T) {
	mem := newCheckedMem(t)
	k := devicesUnderTest(t)[0].k
	g := newGen(9, mem)
	b := gaBatch(g, 100, 5, false, false)
	defer b.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(make([]string, 100), nil)
	sarr := sb.NewArray()
	defer sarr.Release()
	strBatch := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{sarr}, 100)
	defer strBatch.Release()
	for _, c := range []struct {
		keys []string
		aggs []groupby.AggSpec
		want string
	}{
		{[]string{"k", "i"}, gaAggs[:1], "2 key columns"},
		{[]string{"f"}, gaAggs[:1], "key \"f\""},
		{[]string{"k"}, []groupby.AggSpec{{Name: "d", Func: "count_distinct", Column: "i"}}, "count_distinct"},
	} {
		_, err := aggregate.GroupAggregate(k, mem, b, c.keys, c.aggs)
		if !errors.Is(err, device.ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v", c.keys, c.aggs, err)
		}
		if e := aggregate.GroupAggregateSupport(c.keys, c.aggs, b.Schema()); !errors.Is(e, device.ErrUnsupported) {
			t.Errorf("support %v %v: %v", c.keys, c.aggs, e)
		}
	}
	if err := aggregate.GroupAggregateSupport([]string{"k"}, gaAggs, b.Schema()); err != nil {
		t.Errorf("supported aggregation refused: %v", err)
	}
	// Specification errors are groupby.NewGroupBy's, not device.ErrUnsupported.
	if _, err := aggregate.GroupAggregate(k, mem, b, []string{"nope"}, gaAggs[:1]); err == nil || errors.Is(err, device.ErrUnsupported) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := aggregate.GroupAggregate(k, mem, strBatch, []string{"s"}, gaAggs[:1]); err == nil {
		t.Error("utf8 key accepted")
	}
	// A pool too small for the batch: device.ErrFallback, no partial result.
	emu := emulator.New(0)
	defer emu.Close()
	tiny := launch.NewKernelsWith(emu, launch.Options{PoolBytes: 4096})
	defer tiny.Close()
	if _, err := aggregate.GroupAggregate(tiny, mem, b, []string{"k"}, gaAggs); !errors.Is(err, device.ErrFallback) {
		t.Errorf("tiny pool: %v", err)
	}
}
