package stagecache

import "testing"

func TestKeyCoversEveryPart(t *testing.T) {
	type seed struct {
		Seed uint64
		Line int
	}
	k := func(v any) string {
		kk := NewKey("scan")
		if err := kk.JSON("v", v); err != nil {
			t.Fatal(err)
		}
		return kk.Sum()
	}
	// Seeds beyond 2^53 differ by one: distinct keys.
	if k(seed{Seed: 1<<63 + 1}) == k(seed{Seed: 1<<63 + 2}) {
		t.Fatal("seeds 2^63+1 and 2^63+2 share a key")
	}
	// A field's place in the job file is not part of the key.
	if k(seed{Seed: 7, Line: 3}) != k(seed{Seed: 7, Line: 9}) {
		t.Fatal("moving a section changed the key")
	}
	// Labels and lengths separate the parts: "ab"+"c" is not "a"+"bc".
	a := NewKey("s").Bytes("x", []byte("ab")).Bytes("y", []byte("c")).Sum()
	b := NewKey("s").Bytes("x", []byte("a")).Bytes("y", []byte("bc")).Sum()
	if a == b || NewKey("scan").Sum() == NewKey("fit").Sum() {
		t.Fatal("parts or stages collide")
	}
}
