package shard

import "testing"

// A kept arena goes back to a column of its own path only, empty, and the
// pool keeps no more than maxKeptArenas bytes.
func TestArenaPoolByPath(t *testing.T) {
	p := arenaPool{free: map[string][][]byte{}}
	a := make([]byte, 100, 1<<20)
	p.put("x", a)
	if b := p.take("y"); b != nil {
		t.Fatalf("column y got column x's arena (cap %d)", cap(b))
	}
	b := p.take("x")
	if cap(b) != 1<<20 || len(b) != 0 || &b[:1][0] != &a[0] {
		t.Fatalf("column x got an arena of len %d, cap %d, not its own emptied", len(b), cap(b))
	}
	if p.take("x") != nil || p.bytes != 0 {
		t.Fatalf("the pool still holds %d bytes after its one arena was taken", p.bytes)
	}
	p.put("x", make([]byte, 0, maxKeptArenas-10))
	p.put("z", make([]byte, 0, 11))
	if p.take("z") != nil {
		t.Fatal("the pool kept more than maxKeptArenas bytes")
	}
	if b := p.take("x"); cap(b) != maxKeptArenas-10 {
		t.Fatalf("the first arena (cap %d) was not kept", cap(b))
	}
	p.put("x", nil)
	if len(p.free) != 0 {
		t.Fatal("an arena without capacity was kept")
	}
}
