package stagecache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// put stores an entry with one file of n bytes of b under key.
func put(t *testing.T, c *Cache, key string, n int, b byte) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, bytes.Repeat([]byte{b}, n), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(key, "scan", []byte(`{"k":"`+key+`"}`), []Source{{Name: "x", Path: src}}); err != nil {
		t.Fatal(err)
	}
}

func keys(t *testing.T, c *Cache) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(c.root, "entries"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		out = append(out, d.Name())
	}
	return out
}

func used(t *testing.T, c *Cache, key string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(c.root, "entries", key, "meta.json"), at, at); err != nil {
		t.Fatal(err)
	}
}

func TestPutGetCopyOut(t *testing.T) {
	c, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("the stage's bytes\n")
	src := filepath.Join(t.TempDir(), "a")
	os.WriteFile(src, want, 0o644)
	if err := c.Put("k1", "fit", []byte("state"), []Source{{Name: "a", Path: src}}); err != nil {
		t.Fatal(err)
	}
	if e, err := c.Get("other"); e != nil || err != nil {
		t.Fatalf("Get of a missing key: %v, %v", e, err)
	}
	e, err := c.Get("k1")
	if err != nil || e == nil {
		t.Fatalf("Get: %v, %v", e, err)
	}
	defer e.Release()
	if string(e.State) != "state" || e.Stage != "fit" || len(e.Files) != 1 || e.Files[0].Size != int64(len(want)) {
		t.Fatalf("entry %+v", e)
	}
	if err := e.Verify(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if err := e.CopyOut("a", dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, want) {
		t.Fatalf("copied %q, want %q", got, want)
	}
	// The source changing afterwards (it was linked) is damage the next
	// use sees.
	os.WriteFile(src+".new", []byte("THE stage's bytes\n"), 0o644)
	os.Rename(src+".new", src)
	if err := e.Verify(); err != nil {
		t.Fatalf("replacing the source by rename must not touch the entry: %v", err)
	}
}

func TestDamagedEntryIsAMiss(t *testing.T) {
	c, _ := Open(t.TempDir(), 0)
	put(t, c, "flip", 1000, 'a')
	put(t, c, "short", 1000, 'b')
	put(t, c, "meta", 1000, 'c')
	// One byte changed, same size: Get succeeds (size matches), Verify
	// and CopyOut find it.
	p := filepath.Join(c.root, "entries", "flip", "f-x")
	b, _ := os.ReadFile(p)
	b[500] = 'z'
	os.WriteFile(p, b, 0o644)
	e, err := c.Get("flip")
	if err != nil || e == nil {
		t.Fatalf("Get: %v %v", e, err)
	}
	if err := e.Verify(); err == nil || !strings.Contains(err.Error(), "CRC-32C") {
		t.Fatalf("Verify of a flipped byte: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if err := e.CopyOut("x", dst); err == nil {
		t.Fatal("CopyOut of a damaged file succeeded")
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("CopyOut left %s behind: %v", dst, err)
	}
	e.Release()
	// A truncated file: a miss with an error, and the entry is gone.
	os.Truncate(filepath.Join(c.root, "entries", "short", "f-x"), 10)
	if e, err := c.Get("short"); e != nil || err == nil {
		t.Fatalf("Get of a truncated entry: %v, %v", e, err)
	}
	// A damaged meta.json, likewise.
	os.WriteFile(filepath.Join(c.root, "entries", "meta", "meta.json"), []byte("{not json"), 0o644)
	if e, err := c.Get("meta"); e != nil || err == nil {
		t.Fatalf("Get of a damaged meta.json: %v, %v", e, err)
	}
	if got := keys(t, c); !slices.Equal(got, []string{"flip"}) {
		t.Fatalf("entries after the damaged ones: %v, want [flip]", got)
	}
}

// TestEvictLeastRecentlyUsed: the order is worked out by hand from the
// use times set below.
func TestEvictLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	big, _ := Open(dir, 1<<40)
	put(t, big, "a", 1000, 'a')
	one, err := big.Size()
	if err != nil || one < 1000 {
		t.Fatalf("size of one entry: %d, %v", one, err)
	}
	put(t, big, "b", 1000, 'b')
	put(t, big, "c", 1000, 'c')
	t0 := time.Now().Add(-time.Hour)
	used(t, big, "a", t0.Add(30*time.Second))
	used(t, big, "b", t0.Add(10*time.Second))
	used(t, big, "c", t0.Add(20*time.Second))
	// Room for two and a half entries: the least recently used (b) goes.
	small, _ := Open(dir, 2*one+one/2)
	if err := small.Evict(); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, small); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("after evicting to 2.5 entries: %v, want [a c]", got)
	}
	// Using c makes a the oldest; storing d evicts a.
	e, err := small.Get("c")
	if err != nil || e == nil {
		t.Fatal(err)
	}
	e.Release()
	put(t, small, "d", 1000, 'd')
	if got := keys(t, small); !slices.Equal(got, []string{"c", "d"}) {
		t.Fatalf("after using c and storing d: %v, want [c d]", got)
	}
}

func TestHeldEntryIsNotEvicted(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir, 1<<40)
	put(t, c, "held", 1000, 'h')
	put(t, c, "free", 1000, 'f')
	e, err := c.Get("held")
	if err != nil || e == nil {
		t.Fatal(err)
	}
	zero, _ := Open(dir, 1)
	zero.Evict()
	if got := keys(t, zero); !slices.Equal(got, []string{"held"}) {
		t.Fatalf("evicting to nothing while held: %v, want [held]", got)
	}
	if err := e.Verify(); err != nil {
		t.Fatal(err)
	}
	e.Release()
	zero.Evict()
	if got := keys(t, zero); len(got) != 0 {
		t.Fatalf("after release: %v, want none", got)
	}
}

// TestConcurrentPutGet: many writers of the same and of different keys,
// readers in between; every entry found is whole.
func TestConcurrentPutGet(t *testing.T) {
	dir := t.TempDir()
	src := t.TempDir()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(dir, 20_000) // room for a few entries: evictions race the writers
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 20; i++ {
				key := fmt.Sprintf("k%d", i%5)
				p := filepath.Join(src, fmt.Sprintf("w%d-%d", w, i))
				os.WriteFile(p, bytes.Repeat([]byte(key), 1000), 0o644)
				if err := c.Put(key, "scan", []byte(key), []Source{{Name: "x", Path: p}}); err != nil {
					t.Error(err)
					return
				}
				e, err := c.Get(fmt.Sprintf("k%d", (i+w)%5))
				if err != nil {
					t.Error(err)
					return
				}
				if e != nil {
					if err := e.Verify(); err != nil || string(e.State) != e.Key {
						t.Errorf("entry %s: %v, state %q", e.Key, err, e.State)
					}
					e.Release()
				}
			}
		}()
	}
	wg.Wait()
}
