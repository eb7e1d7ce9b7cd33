package bench

import (
	"math"
	"testing"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{2, 2, 9}, 2},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := Median(in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median modified its input: %v, was %v", in, c.in)
			}
		}
	}
}

func TestRatioCostPerSecond(t *testing.T) {
	if got := Ratio(3, 4); got != 0.75 {
		t.Errorf("Ratio(3, 4) = %v, want 0.75", got)
	}
	for _, b := range []float64{0, -1, math.NaN()} {
		if got := Ratio(3, b); got != 0 {
			t.Errorf("Ratio(3, %v) = %v, want 0 (undefined)", b, got)
		}
	}
	// 90 s at $1.20/h = 1.2 * 90 / 3600 = $0.03.
	if got := Cost(90, 1.20); math.Abs(got-0.03) > 1e-15 {
		t.Errorf("Cost(90, 1.20) = %v, want 0.03", got)
	}
	if got := Cost(3600, 0.10); got != 0.10 {
		t.Errorf("Cost(3600, 0.10) = %v, want 0.10", got)
	}
	if got := PerSecond(33_319_019, 10); got != 3_331_901.9 {
		t.Errorf("PerSecond = %v, want 3331901.9", got)
	}
}

// TestFinishJob: medians over runs, throughput, ratios to the faster peer
// and cost, against hand-computed values.
func TestFinishJob(t *testing.T) {
	sl := &Entry{Job: "j", Engine: "sluice-cpu", Status: "ok", InputRows: 1000, InputBytes: 4000, Price: 0.36,
		Runs: []Measure{{Wall: 4, CPU: 6, MaxRSS: 100}, {Wall: 2, CPU: 3, MaxRSS: 300}, {Wall: 3, CPU: 5, MaxRSS: 200}}}
	dd := &Entry{Job: "j", Engine: "duckdb", Status: "ok", InputBytes: 4000, Price: 0.36,
		Runs: []Measure{{Wall: 12, CPU: 20, MaxRSS: 800}}}
	pl := &Entry{Job: "j", Engine: "polars", Status: "ok", InputBytes: 4000, Price: 0.36,
		Runs: []Measure{{Wall: 6, CPU: 9, MaxRSS: 1000}, {Wall: 8, CPU: 9, MaxRSS: 1000}}}
	gpu := &Entry{Job: "j", Engine: "sluice-gpu", Status: "no GPU on this machine"}
	other := &Entry{Job: "k", Engine: "sluice-cpu", Status: "ok", Runs: []Measure{{Wall: 1}}}
	finishJob([]*Entry{sl, gpu, dd, pl, other}, "j", []*Entry{dd, pl})
	if sl.Wall != 3 || sl.CPU != 5 || sl.MaxRSS != 200 {
		t.Fatalf("sluice medians %v %v %v, want 3 5 200", sl.Wall, sl.CPU, sl.MaxRSS)
	}
	if pl.Wall != 7 || pl.InputRows != 1000 {
		t.Fatalf("polars median wall %v rows %d, want 7 and sluice's 1000", pl.Wall, pl.InputRows)
	}
	if sl.RowsPerSec != 1000.0/3 || sl.BytesPerSec != 4000.0/3 {
		t.Fatalf("sluice rows/s %v bytes/s %v", sl.RowsPerSec, sl.BytesPerSec)
	}
	// The faster peer is polars (7 s, 1000 B).
	if sl.TimeVsPeer != 3.0/7 || sl.RSSVsPeer != 0.2 || pl.TimeVsPeer != 1 || dd.TimeVsPeer != 12.0/7 || dd.RSSVsPeer != 0.8 {
		t.Fatalf("ratios: sluice %v %v, polars %v, duckdb %v %v", sl.TimeVsPeer, sl.RSSVsPeer, pl.TimeVsPeer, dd.TimeVsPeer, dd.RSSVsPeer)
	}
	// $0.36/h for 3 s = $0.0003 (up to float rounding).
	if math.Abs(sl.Cost-0.0003) > 1e-18 {
		t.Fatalf("cost %v, want 0.0003", sl.Cost)
	}
	if gpu.Wall != 0 || gpu.TimeVsPeer != 0 || other.Wall != 0 {
		t.Fatalf("entries outside the job or without numbers were changed: %+v %+v", gpu, other)
	}
}

func TestSelectJobs(t *testing.T) {
	js, err := SelectJobs([]string{"citibike", "micro", "scan"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range js {
		names = append(names, j.Name)
	}
	want := "citibike scan groupby split shuffle shardwrite"
	if got := join(names); got != want {
		t.Fatalf("SelectJobs = %s, want %s", got, want)
	}
	if _, err := SelectJobs([]string{"nope"}); err == nil {
		t.Fatal("SelectJobs(nope): no error")
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
