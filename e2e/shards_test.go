package e2e

import (
	"testing"

	"github.com/sluice-ml/sluice/sink"
)

// TestEqualShards: within each split, shard row counts differ by at most
// one and add up to the split's rows.
func TestEqualShards(t *testing.T) {
	f := loadMain(t)
	checkEqualShards(t, f.m, f.tables, 7)
}

// checkEqualShards checks the shard sizes of every split from the files
// themselves, and that at least one split has a remainder (so the sizes
// really had to differ).
func checkEqualShards(t *testing.T, m *sink.Manifest, tables map[string][]*table, shards int) {
	t.Helper()
	uneven := false
	for _, s := range m.Splits {
		if len(s.Shards) != shards || len(tables[s.Name]) != shards {
			t.Fatalf("split %s: %d shards, want %d", s.Name, len(s.Shards), shards)
		}
		var sum int64
		lo, hi := int64(-1), int64(0)
		for _, tb := range tables[s.Name] {
			n := int64(tb.Rows)
			sum += n
			if lo < 0 || n < lo {
				lo = n
			}
			hi = max(hi, n)
		}
		if hi-lo > 1 {
			t.Fatalf("split %s: shard rows range %d..%d (differ by more than 1)", s.Name, lo, hi)
		}
		if sum != s.Rows {
			t.Fatalf("split %s: shards hold %d rows, the split has %d", s.Name, sum, s.Rows)
		}
		if s.Rows%int64(shards) != 0 {
			uneven = true
		}
	}
	if !uneven {
		t.Fatalf("every split's rows are a multiple of %d shards: the test data cannot show unequal shards", shards)
	}
}
