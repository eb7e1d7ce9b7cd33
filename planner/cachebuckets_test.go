package planner

import "testing"

// Cache buckets: 64 at least, about 8 per shard (up to 1024), and enough
// that none is planned for more than CacheBucketRows input rows.
func TestCacheBuckets(t *testing.T) {
	for _, c := range []struct {
		shards int
		rows   int64
		want   int
	}{
		{1, 0, 64},
		{8, 0, 64},
		{9, 0, 128},
		{200, 0, 1024},
		{8, 33_319_019, 64},        // 520,609 rows a bucket
		{8, 64 * 524_288, 64},      // exactly CacheBucketRows a bucket
		{8, 64*524_288 + 64, 128},  // one more row a bucket
		{8, 333_190_190, 1024},     // 325,381 rows a bucket
		{200, 333_190_190, 1024},   // the shards' 1024 are enough
		{200, 1_000_000_000, 2048}, // 488,281 rows a bucket
		{1, 1 << 50, MaxCacheBuckets},
	} {
		if got := CacheBuckets(c.shards, c.rows); got != c.want {
			t.Errorf("CacheBuckets(%d shards, %d rows) = %d, want %d", c.shards, c.rows, got, c.want)
		}
	}
}
