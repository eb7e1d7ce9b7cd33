package task

import (
	"encoding/json"
	"sort"
	"strings"
)

// KeyCounts is a set of (key, count) pairs sorted by key, held in three
// arrays whatever its size. The driver keeps every scan task's group
// counts until the scan's barrier and in the stage cache's state: as maps,
// a thousand groups over hundreds of tasks were hundreds of thousands of
// strings and map entries for the garbage collector to mark in every
// cycle of the stages after. On the wire it is a JSON object of counts,
// as the map was.
type KeyCounts struct {
	keys   string // the keys back to back, ascending
	ends   []int  // ends[i]: where key i ends in keys
	counts []int64
}

// NewKeyCounts returns m's pairs, sorted by key.
func NewKeyCounts(m map[string]int64) KeyCounts {
	keys := make([]string, 0, len(m))
	size := 0
	for k := range m {
		keys = append(keys, k)
		size += len(k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(size)
	c := KeyCounts{ends: make([]int, len(keys)), counts: make([]int64, len(keys))}
	for i, k := range keys {
		b.WriteString(k)
		c.ends[i] = b.Len()
		c.counts[i] = m[k]
	}
	c.keys = b.String()
	return c
}

// Len is the number of keys.
func (c KeyCounts) Len() int { return len(c.ends) }

// At returns the i-th key (ascending) and its count. The key shares c's
// memory: clone it to keep it apart.
func (c KeyCounts) At(i int) (string, int64) {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.keys[start:c.ends[i]], c.counts[i]
}

// Map returns the pairs as a map.
func (c KeyCounts) Map() map[string]int64 {
	m := make(map[string]int64, c.Len())
	for i := range c.Len() {
		k, n := c.At(i)
		m[k] = n
	}
	return m
}

// MarshalJSON implements json.Marshaler: an object of counts by key.
func (c KeyCounts) MarshalJSON() ([]byte, error) { return json.Marshal(c.Map()) }

// UnmarshalJSON implements json.Unmarshaler (null is the empty set).
func (c *KeyCounts) UnmarshalJSON(data []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*c = NewKeyCounts(m)
	return nil
}
