package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
)

// runJob parses yaml as job.yaml with the --set overrides sets (plus
// output.path in a fresh temporary directory), runs it embedded and returns
// the output directory and its verified manifest.
func runJob(t testing.TB, yaml string, sets []string, opt engine.Options) (string, *sink.Manifest) {
	t.Helper()
	dir, m, err := runJobErr(t.TempDir(), yaml, sets, opt)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// runJobErr is runJob writing under root and returning errors.
func runJobErr(root, yaml string, sets []string, opt engine.Options) (string, *sink.Manifest, error) {
	out := filepath.Join(root, "out")
	job, err := jobspec.Parse("job.yaml", []byte(yaml), append(append([]string(nil), sets...), "output.path="+out))
	if err != nil {
		return "", nil, err
	}
	if opt.WorkDir == "" {
		opt.WorkDir = root
	}
	if _, err := engine.Run(context.Background(), job, opt); err != nil {
		return "", nil, err
	}
	if err := sink.Verify(out); err != nil {
		return "", nil, err
	}
	m, err := sink.ReadManifest(out)
	if err != nil {
		return "", nil, err
	}
	return out, m, nil
}

// rawRow is one generated Citi Bike-like trip as plain Go values.
type rawRow struct {
	TripID, Duration, Start, StartID, EndID, BikeID int64
	StartName, UserType, Gender                     string
	BirthYear                                       int64
	BirthOK                                         bool // birth_year is not null
}

// rawRows returns rows [0, n) of the generator for seed; rows[i].TripID is i+1.
func rawRows(t testing.TB, seed uint64, n int64) []rawRow {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	out := make([]rawRow, 0, n)
	const chunk = 50_000
	for lo := int64(0); lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		b, err := citibike.Generate(seed, lo, hi, mem)
		if err != nil {
			t.Fatal(err)
		}
		col := func(name string) int {
			idx := b.Schema().FieldIndices(name)
			if len(idx) != 1 {
				t.Fatalf("generator: no column %q", name)
			}
			return idx[0]
		}
		trip := b.Column(col("trip_id")).(*array.Int64)
		dur := b.Column(col("tripduration")).(*array.Int64)
		start := b.Column(col("starttime")).(*array.Timestamp)
		sid := b.Column(col("start_station_id")).(*array.Int64)
		eid := b.Column(col("end_station_id")).(*array.Int64)
		bike := b.Column(col("bikeid")).(*array.Int64)
		by := b.Column(col("birth_year")).(*array.Int64)
		sname := b.Column(col("start_station_name"))
		user := b.Column(col("usertype"))
		gender := b.Column(col("gender"))
		for i := 0; i < int(hi-lo); i++ {
			out = append(out, rawRow{
				TripID: trip.Value(i), Duration: dur.Value(i), Start: int64(start.Value(i)),
				StartID: sid.Value(i), EndID: eid.Value(i), BikeID: bike.Value(i),
				StartName: stringAt(t, sname, i), UserType: stringAt(t, user, i), Gender: stringAt(t, gender, i),
				BirthYear: by.Value(i), BirthOK: by.IsValid(i),
			})
		}
		b.Release()
	}
	return out
}

// stringAt reads a string from a utf8, large_utf8 or dictionary column of them.
func stringAt(t testing.TB, a any, i int) string {
	switch c := a.(type) {
	case *array.String:
		return c.Value(i)
	case *array.LargeString:
		return c.Value(i)
	case *array.Dictionary:
		return stringAt(t, c.Dictionary(), c.GetValueIndex(i))
	}
	t.Fatalf("stringAt: %T is not a string column", a)
	return ""
}

// byTripID indexes rows by trip id.
func byTripID(rows []rawRow) map[int64]*rawRow {
	m := make(map[int64]*rawRow, len(rows))
	for i := range rows {
		m[rows[i].TripID] = &rows[i]
	}
	return m
}
