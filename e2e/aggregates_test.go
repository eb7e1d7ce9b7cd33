package e2e

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// aggOracle accumulates one group of a naive group-by.
type aggOracle struct {
	n        int64
	vals     []float64 // non-null values of the measured column
	births   int64
	bikes    map[int64]bool
	min, max int64
	sum      int64
}

// varOf is the sample variance by two passes (not the square of a rounded std).
func varOf(xs []float64) float64 {
	mean, _ := moments(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return ss / float64(len(xs)-1)
}

// TestAggregates: each aggregate table equals a naive map-based group-by of
// the filtered rows (before label drops, as aggregates see them).
func TestAggregates(t *testing.T) {
	f := loadMain(t)
	stations := map[int64]*aggOracle{}
	type rk struct{ user, gender string }
	riders := map[rk]*aggOracle{}
	for i := range f.raw {
		r := &f.raw[i]
		if !mainFilter(r) {
			continue
		}
		s := stations[r.StartID]
		if s == nil {
			s = &aggOracle{bikes: map[int64]bool{}, min: math.MaxInt64, max: math.MinInt64}
			stations[r.StartID] = s
		}
		s.n++
		s.vals = append(s.vals, float64(r.Duration))
		s.min, s.max, s.sum = min(s.min, r.Duration), max(s.max, r.Duration), s.sum+r.Duration
		s.bikes[r.BikeID] = true
		if r.BirthOK {
			s.births++
		}
		k := rk{r.UserType, r.Gender}
		g := riders[k]
		if g == nil {
			g = &aggOracle{}
			riders[k] = g
		}
		g.n++
		if r.BirthOK {
			g.vals = append(g.vals, float64(2020-r.BirthYear))
		}
	}

	tables := map[string]int{}
	for _, a := range f.m.Aggregates {
		tables[a.Name] = int(a.Rows)
	}
	st := readTable(t, filepath.Join(f.dir, "aggregates", "stations.arrow"))
	if st.Rows != len(stations) || tables["stations"] != len(stations) {
		t.Fatalf("stations: %d rows (manifest %d), oracle %d groups", st.Rows, tables["stations"], len(stations))
	}
	wantCols := []string{"start_station_id", "trips", "mean_duration", "std_duration", "births", "min_duration", "max_duration", "sum_duration", "bikes"}
	if !slices.Equal(st.Names, wantCols) {
		t.Fatalf("stations columns %v, want %v", st.Names, wantCols)
	}
	seen := map[int64]bool{}
	for i := 0; i < st.Rows; i++ {
		id := st.col(t, "start_station_id").I64[i]
		o := stations[id]
		if o == nil || seen[id] {
			t.Fatalf("stations: row %d has station %d (unknown or repeated)", i, id)
		}
		seen[id] = true
		mean, std := moments(o.vals)
		ints := map[string]int64{"trips": o.n, "births": o.births, "min_duration": o.min, "max_duration": o.max, "sum_duration": o.sum, "bikes": int64(len(o.bikes))}
		for name, want := range ints {
			if got := st.col(t, name).I64[i]; got != want {
				t.Fatalf("stations %d: %s = %d, oracle %d", id, name, got, want)
			}
		}
		if got := st.col(t, "mean_duration").F64[i]; !relClose(got, mean, 1e-9) {
			t.Fatalf("stations %d: mean_duration %v, oracle %v", id, got, mean)
		}
		sc := st.col(t, "std_duration")
		if o.n < 2 {
			if sc.Valid[i] && !math.IsNaN(sc.F64[i]) {
				t.Fatalf("stations %d: std of %d value(s) = %v, want null or NaN", id, o.n, sc.F64[i])
			}
		} else if !relClose(sc.F64[i], std, 1e-9) {
			t.Fatalf("stations %d: std_duration %v, oracle (sample) %v", id, sc.F64[i], std)
		}
	}

	rt := readTable(t, filepath.Join(f.dir, "aggregates", "riders.arrow"))
	if rt.Rows != len(riders) || tables["riders"] != len(riders) {
		t.Fatalf("riders: %d rows (manifest %d), oracle %d groups", rt.Rows, tables["riders"], len(riders))
	}
	for i := 0; i < rt.Rows; i++ {
		k := rk{rt.col(t, "usertype").S[i], rt.col(t, "gender").S[i]}
		o := riders[k]
		if o == nil {
			t.Fatalf("riders: row %d has unknown group %v", i, k)
		}
		delete(riders, k)
		mean, _ := moments(o.vals)
		if got := rt.col(t, "trips").I64[i]; got != o.n {
			t.Fatalf("riders %v: trips %d, oracle %d", k, got, o.n)
		}
		if got := rt.col(t, "mean_age").F64[i]; !relClose(got, mean, 1e-9) {
			t.Fatalf("riders %v: mean_age %v, oracle %v (non-null ages)", k, got, mean)
		}
		if got, want := rt.col(t, "var_age").F64[i], varOf(o.vals); !relClose(got, want, 1e-9) {
			t.Fatalf("riders %v: var_age %v, oracle (sample) %v", k, got, want)
		}
	}
}
