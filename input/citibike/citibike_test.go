package citibike

import (
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// genRows returns rows [lo, hi) as values, generated in pieces cut at cuts.
func genRows(t *testing.T, seed uint64, cuts []int64, mem memory.Allocator) [][]any {
	t.Helper()
	var rows [][]any
	for i := 0; i+1 < len(cuts); i++ {
		rec, err := Generate(seed, cuts[i], cuts[i+1], mem)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Schema().Equal(Schema) || rec.NumRows() != cuts[i+1]-cuts[i] {
			t.Fatalf("batch schema %s, %d rows", rec.Schema(), rec.NumRows())
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = arrowtest.Cell(t, rec.Column(c), r)
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
	return rows
}

func TestGenerateDeterministic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	one := genRows(t, 7, []int64{100, 1100}, mem)
	many := genRows(t, 7, []int64{100, 101, 437, 438, 438, 900, 1100}, mem)
	arrowtest.SameRows(t, many, one)
	for i, r := range one {
		if r[0] != int64(101+i) {
			t.Fatalf("trip_id of row %d = %v, want %d", 100+i, r[0], 101+i)
		}
	}
	other := genRows(t, 8, []int64{100, 1100}, mem)
	same := 0
	for i := range one {
		if reflect.DeepEqual(one[i], other[i]) {
			same++
		}
	}
	if same > 10 {
		t.Fatalf("seeds 7 and 8 give %d identical rows of 1000", same)
	}
	if _, err := Generate(1, 5, 4, mem); err == nil {
		t.Fatal("bad range accepted")
	}
}

func TestGenerateDistribution(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	const n = 200_000
	rec, err := Generate(42, 0, n, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	col := func(name string) arrow.Array { return rec.Column(Schema.FieldIndices(name)[0]) }
	dur := col("tripduration").(*array.Int64).Int64Values()
	by := col("birth_year").(*array.Int64)
	user := col("usertype").(*array.Dictionary)
	gender := col("gender").(*array.Dictionary)
	start := col("starttime").(*array.Timestamp)
	ss := col("start_station_id").(*array.Int64).Int64Values()
	es := col("end_station_id").(*array.Int64).Int64Values()
	names := col("start_station_name").(*array.Dictionary)

	var subs, nulls, tail, male, female, unknown, unknownNull int
	var sumSub, sumCust float64
	var nSub, nCust int
	stations := map[int64]bool{}
	nameOf := map[int64]string{}
	for i := 0; i < n; i++ {
		u := user.Dictionary().(*array.String).Value(user.GetValueIndex(i))
		g := gender.Dictionary().(*array.String).Value(gender.GetValueIndex(i))
		if u == "Subscriber" {
			subs++
		} else if u != "Customer" {
			t.Fatalf("usertype %q", u)
		}
		switch g {
		case "Male":
			male++
		case "Female":
			female++
		case "Unknown":
			unknown++
		default:
			t.Fatalf("gender %q", g)
		}
		if by.IsNull(i) {
			nulls++
			if g == "Unknown" {
				unknownNull++
			}
		} else {
			y := by.Value(i)
			if y < 1940 || y > 2003 {
				t.Fatalf("birth_year %d", y)
			}
			if u == "Subscriber" {
				sumSub += float64(y)
				nSub++
			} else {
				sumCust += float64(y)
				nCust++
			}
		}
		if dur[i] < 60 || dur[i] > 90000 {
			t.Fatalf("tripduration %d", dur[i])
		}
		if dur[i] > 20000 {
			tail++
		}
		ts := int64(start.Value(i))
		if ts < 1546300800e6 || ts >= 1577836800e6 {
			t.Fatalf("starttime %d outside 2019", ts)
		}
		stations[ss[i]] = true
		if ss[i] < 72 || ss[i] > 4000 || es[i] < 72 || es[i] > 4000 {
			t.Fatalf("station ids %d %d", ss[i], es[i])
		}
		name := names.Dictionary().(*array.String).Value(names.GetValueIndex(i))
		if prev, ok := nameOf[ss[i]]; ok && prev != name {
			t.Fatalf("station %d named %q and %q", ss[i], prev, name)
		}
		nameOf[ss[i]] = name
	}
	share := func(k int) float64 { return float64(k) / n }
	check := func(what string, v, lo, hi float64) {
		if v < lo || v > hi {
			t.Errorf("%s = %.4f, want %.3f..%.3f", what, v, lo, hi)
		}
	}
	check("subscriber share", share(subs), 0.86, 0.90)
	check("birth_year null share", share(nulls), 0.04, 0.06)
	check("station count", float64(len(stations)), 850, 950)
	check("male share", share(male), 0.62, 0.68)
	check("female share", share(female), 0.22, 0.28)
	check("unknown share", share(unknown), 0.08, 0.12)
	check("unknown gender among null birth years", float64(unknownNull)/float64(nulls), 0.6, 0.8)
	check("tail share (> 20000 s)", share(tail), 0.0001, 0.002)
	check("customers born later (mean difference)", sumCust/float64(nCust)-sumSub/float64(nSub), 4, 12)
	sorted := append([]int64(nil), dur...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	check("median tripduration", float64(sorted[n/2]), 500, 800)
	// Names are unique per station.
	seen := map[string]int64{}
	for id, name := range nameOf {
		if other, ok := seen[name]; ok {
			t.Fatalf("stations %d and %d share the name %q", id, other, name)
		}
		seen[name] = id
		if !strings.Contains(name, " & ") {
			t.Fatalf("station name %q", name)
		}
	}
	// Skew: the most used station has many times the median's trips.
	counts := map[int64]int{}
	for _, s := range ss {
		counts[s]++
	}
	var cs []int
	for _, c := range counts {
		cs = append(cs, c)
	}
	sort.Ints(cs)
	if cs[len(cs)-1] < 10*cs[len(cs)/2] {
		t.Errorf("station counts not skewed: max %d, median %d", cs[len(cs)-1], cs[len(cs)/2])
	}
}

func BenchmarkGenerateCitibike(b *testing.B) {
	const n = 1 << 16
	b.SetBytes(n * 8 * 10)
	for i := 0; i < b.N; i++ {
		rec, err := Generate(1, int64(i)*n, int64(i+1)*n, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
}
