package split

import (
	"math"
	"reflect"
	"testing"
)

func TestPartialRoundTrip(t *testing.T) {
	p := Partial{
		Below: []int64{0, 7, 1 << 40},
		Rows:  [][]Key{nil, {{1, 2}, {math.MaxUint64, 0}}, {{3, 4}}},
	}
	data, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var q Partial
	if err := q.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip: %+v, want %+v", q, p)
	}
	// Every truncation and a trailing byte are errors, never panics.
	for n := range len(data) {
		if err := q.UnmarshalBinary(data[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	if err := q.UnmarshalBinary(append(data, 0)); err == nil {
		t.Error("trailing byte: no error")
	}
	// A count larger than the data cannot allocate.
	if err := q.UnmarshalBinary([]byte("SPP1\xff\xff\xff\xff\xff\xff\xff\xff\x7f")); err == nil {
		t.Error("huge count: no error")
	}
	if _, err := (Partial{Below: []int64{1}}).MarshalBinary(); err == nil {
		t.Error("malformed partial encodes")
	}
}

func TestBoundariesRoundTrip(t *testing.T) {
	b, err := NewBoundaries([][]Bound{
		{{Kind: MinusInf}, {Key: Key{10, 5}}, {Kind: PlusInf}},
		nil,
		{{Key: Key{1, 2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var c Boundaries
	if err := c.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	h := []uint64{0, 10, 10, 1, 1}
	r := []uint64{0, 4, 5, 1, 2}
	g := []int32{0, 0, 0, 2, 2}
	want, got := make([]int32, 5), make([]int32, 5)
	if err := b.AssignInt32(g, h, r, want); err != nil {
		t.Fatal(err)
	}
	if err := c.AssignInt32(g, h, r, got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) || len(c.PerGroup()) != 3 {
		t.Errorf("decoded table assigns %v, want %v", got, want)
	}
	for n := range len(data) {
		if err := c.UnmarshalBinary(data[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	if err := c.UnmarshalBinary([]byte("SPB1\x01\x01\x07")); err == nil {
		t.Error("unknown bound kind: no error")
	}
}
