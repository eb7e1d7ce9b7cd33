package catalog

import "testing"

func TestDidYouMean(t *testing.T) {
	names := []string{"trip_id", "tripduration", "start_station_name"}
	for got, want := range map[string]string{
		"tripdurtion": ` (did you mean "tripduration"?)`,
		"TRIP_ID":     ` (did you mean "trip_id"?)`,
		"zzzzzz":      "",
	} {
		if s := didYouMean(got, names); s != want {
			t.Errorf("didYouMean(%q) = %q, want %q", got, s, want)
		}
	}
}
