package csvscan

import (
	"testing"
)

func TestParseTimestamp(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1970-01-01", 0, true},
		{"1970-01-01 00:00:00", 0, true},
		{"2000-03-01T12:30:15.123456789", (951868800+12*3600+30*60+15)*1_000_000 + 123456, true},
		{"1900-01-01 00:00:00", -2208988800 * 1_000_000, true},
		{"2019-02-29", 0, false},
		{"2019-13-01", 0, false},
		{"2019-01-01 24:00:00", 0, false},
		{"2019-01-01 1:00:00", 0, false},
		{"2019-01-01 01:00:00.", 0, false},
		{"2019-01-01 01:00:00+01:00", 0, false},
		{"20190101", 0, false},
	}
	for _, c := range cases {
		got, ok := parseTimestamp(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseTimestamp(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
