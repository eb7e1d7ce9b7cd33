package column

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAppendSetBits checks the word-at-a-time bitmap walk against a
// bit-by-bit loop for every offset alignment, runs of set and clear words
// and a non-empty dst.
func TestAppendSetBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for iter := 0; iter < 2000; iter++ {
		off := rng.IntN(70)
		n := rng.IntN(400)
		bm := make([]byte, (off+n+7)/8)
		density := rng.IntN(4)
		for i := range bm {
			switch density {
			case 0:
				bm[i] = byte(rng.Uint32())
			case 1:
				bm[i] = 0xff
			case 2:
				bm[i] = 0
			default:
				bm[i] = []byte{0, 0xff, byte(rng.Uint32())}[rng.IntN(3)]
			}
		}
		prefix := []int32{-1, -2}[:rng.IntN(3)]
		want := slices.Clone(prefix)
		for i := 0; i < n; i++ {
			if bm[(off+i)/8]&(1<<((off+i)%8)) != 0 {
				want = append(want, int32(i))
			}
		}
		got := AppendSetBits(slices.Clone(prefix), bm, off, n)
		if !slices.Equal(got, want) {
			t.Fatalf("off %d n %d: got %v want %v", off, n, got, want)
		}
	}
}
