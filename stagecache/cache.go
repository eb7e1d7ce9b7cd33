package stagecache

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// FormatVersion is part of every key: a sluice whose stage results differ
// from an older one's (a changed file format, a fixed bug in a stage)
// raises it, and older entries are never reused. Version 2: scan caches'
// segments may store integers as frame of reference or delta (shuffle
// index versions 5 and 6), which version 1 cannot read.
const FormatVersion = 2

// DefaultMax is the default size cap of a cache directory.
const DefaultMax int64 = 20 << 30

const layout = "v1"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Cache is an opened cache directory.
type Cache struct {
	root string // <dir>/v1
	dir  string
	max  int64
}

// DefaultDir is the cache directory used when none is given:
// os.UserCacheDir()/sluice/stages.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%v): give --cache DIR or --no-cache", err)
	}
	return filepath.Join(d, "sluice", "stages"), nil
}

// Open opens (creating it if needed) the cache directory dir with a size
// cap of max bytes (0 = DefaultMax).
func Open(dir string, max int64) (*Cache, error) {
	if max <= 0 {
		max = DefaultMax
	}
	root := filepath.Join(dir, layout)
	for _, d := range []string{"entries", "tmp", "runs"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("stage cache %s: %w", dir, err)
		}
	}
	return &Cache{root: root, dir: dir, max: max}, nil
}

// Dir is the cache directory as given to Open.
func (c *Cache) Dir() string { return c.dir }

// Max is the size cap in bytes.
func (c *Cache) Max() int64 { return c.max }

// RunsDir is where the manifests of the runs that used the cache are kept.
func (c *Cache) RunsDir() string { return filepath.Join(c.root, "runs") }

// FileInfo is one file of an entry.
type FileInfo struct {
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	CRC32 uint32 `json:"crc32c"`
}

type meta struct {
	Format   int        `json:"format"`
	Key      string     `json:"key"`
	Stage    string     `json:"stage"`
	Files    []FileInfo `json:"files"`
	State    []byte     `json:"state"`
	StateCRC uint32     `json:"state_crc32c"`
	Bytes    int64      `json:"bytes"` // files and state together
}

// Entry is a stage result found in the cache and held by this run (it is
// not evicted until Release).
type Entry struct {
	Key   string
	Stage string
	State []byte
	Files []FileInfo
	dir   string
	lock  *os.File
}

// Release lets the entry be evicted again.
func (e *Entry) Release() {
	if e != nil && e.lock != nil {
		e.lock.Close()
		e.lock = nil
	}
}

// Path is where the entry's file name is.
func (e *Entry) Path(name string) string { return filepath.Join(e.dir, "f-"+name) }

// Verify checks every file against its size and CRC-32C.
func (e *Entry) Verify() error {
	for _, f := range e.Files {
		if err := checkFile(e.Path(f.Name), f); err != nil {
			return err
		}
	}
	return nil
}

func checkFile(path string, f FileInfo) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, fh)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if n != f.Size || h.Sum32() != f.CRC32 {
		return fmt.Errorf("%s: %d bytes with CRC-32C %08x, the entry says %d bytes with %08x", path, n, h.Sum32(), f.Size, f.CRC32)
	}
	return nil
}

// Get looks key up. A miss is (nil, nil); a damaged entry is removed and
// reported as an error (the caller treats it as a miss and warns). A found
// entry is marked used now and held until Release.
func (c *Cache) Get(key string) (*Entry, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	dir := filepath.Join(c.root, "entries", key)
	lock, err := os.Open(filepath.Join(dir, "lock"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := lockShared(lock); err != nil {
		lock.Close()
		return nil, err
	}
	// An evictor may have moved the entry away between the open and the
	// lock: then the lock file is no longer the entry's.
	st1, err1 := lock.Stat()
	st2, err2 := os.Stat(filepath.Join(dir, "lock"))
	if err1 != nil || err2 != nil || !os.SameFile(st1, st2) {
		lock.Close()
		return nil, nil
	}
	e, err := c.readEntry(key, dir)
	if err != nil {
		lock.Close()
		c.Remove(key)
		return nil, fmt.Errorf("stage cache entry %.12s is damaged, not reused: %v", key, err)
	}
	now := time.Now()
	os.Chtimes(filepath.Join(dir, "meta.json"), now, now)
	e.lock = lock
	return e, nil
}

func (c *Cache) readEntry(key, dir string) (*Entry, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("meta.json: %v", err)
	}
	if m.Format != FormatVersion || m.Key != key {
		return nil, fmt.Errorf("meta.json is for format %d key %.12s", m.Format, m.Key)
	}
	if crc32.Checksum(m.State, castagnoli) != m.StateCRC {
		return nil, fmt.Errorf("meta.json: the state's CRC-32C does not match")
	}
	for _, f := range m.Files {
		st, err := os.Stat(filepath.Join(dir, "f-"+f.Name))
		if err != nil {
			return nil, err
		}
		if st.Size() != f.Size {
			return nil, fmt.Errorf("%s has %d bytes, the entry says %d", f.Name, st.Size(), f.Size)
		}
	}
	return &Entry{Key: key, Stage: m.Stage, State: m.State, Files: m.Files, dir: dir}, nil
}

// Source is a file to store in an entry: linked (or copied) from Path.
type Source struct {
	Name string
	Path string
}

// Put stores a stage's result under key, then evicts entries beyond the
// size cap. An entry already there (another run's) is kept.
func (c *Cache) Put(key, stage string, state []byte, files []Source) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.root, "entries", key, "meta.json")); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(c.root, "tmp"), "put-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m := meta{Format: FormatVersion, Key: key, Stage: stage, State: state, StateCRC: crc32.Checksum(state, castagnoli), Bytes: int64(len(state))}
	for _, s := range files {
		if strings.ContainsAny(s.Name, `/\`) {
			return fmt.Errorf("internal: stage cache file name %q", s.Name)
		}
		info, err := storeFile(s.Path, filepath.Join(tmp, "f-"+s.Name))
		if err != nil {
			return err
		}
		info.Name = s.Name
		m.Files = append(m.Files, info)
		m.Bytes += info.Size
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "lock"), nil, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(c.root, "entries", key)); err != nil {
		// Another run stored the entry first (the target exists and is not
		// empty): theirs is as good as ours.
		if _, serr := os.Stat(filepath.Join(c.root, "entries", key, "meta.json")); serr == nil {
			return nil
		}
		return err
	}
	return c.Evict()
}

// storeFile links src to dst, or copies it when a link is not possible
// (another file system), and returns its size and CRC-32C.
func storeFile(src, dst string) (FileInfo, error) {
	if err := os.Link(src, dst); err != nil {
		if err := copyFile(src, dst); err != nil {
			return FileInfo{}, err
		}
	}
	f, err := os.Open(dst)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Size: n, CRC32: h.Sum32()}, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// CopyOut copies an entry's file to dst (a new file), checking its size and
// CRC-32C on the way; a mismatch removes dst and is an error.
func (e *Entry) CopyOut(name, dst string) error {
	var want *FileInfo
	for i := range e.Files {
		if e.Files[i].Name == name {
			want = &e.Files[i]
		}
	}
	if want == nil {
		return fmt.Errorf("stage cache entry %.12s has no file %s", e.Key, name)
	}
	in, err := os.Open(e.Path(name))
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	h := crc32.New(castagnoli)
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && (n != want.Size || h.Sum32() != want.CRC32) {
		err = fmt.Errorf("%s: %d bytes with CRC-32C %08x, the entry says %d bytes with %08x", e.Path(name), n, h.Sum32(), want.Size, want.CRC32)
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// LinkOut makes dst the entry's file name: a hard link, or a copy across
// file systems. The caller verified the entry first.
func (e *Entry) LinkOut(name, dst string) error {
	if err := os.Link(e.Path(name), dst); err == nil {
		return nil
	}
	return copyFile(e.Path(name), dst)
}

// Remove deletes an entry (a damaged one) unless a run holds it.
func (c *Cache) Remove(key string) {
	c.evictOne(key)
}

// checkKey refuses a key that is not a plain file name.
func checkKey(key string) error {
	if key == "" || len(key) > 128 || strings.Trim(key, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != "" {
		return fmt.Errorf("internal: stage cache key %q is not letters, digits, - and _", key)
	}
	return nil
}

func randomName(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// entryInfo is an entry as eviction sees it.
type entryInfo struct {
	key   string
	bytes int64
	used  time.Time
}

// Entries lists the cache's entries, least recently used first.
func (c *Cache) entries() ([]entryInfo, error) {
	des, err := os.ReadDir(filepath.Join(c.root, "entries"))
	if err != nil {
		return nil, err
	}
	var out []entryInfo
	for _, de := range des {
		p := filepath.Join(c.root, "entries", de.Name(), "meta.json")
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(p)
		var m meta
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			m.Bytes = 0 // a damaged entry: first to go, counted as empty
		}
		out = append(out, entryInfo{key: de.Name(), bytes: m.Bytes + int64(len(b)), used: st.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].used.Equal(out[j].used) {
			return out[i].used.Before(out[j].used)
		}
		return out[i].key < out[j].key
	})
	return out, nil
}

// Size is the bytes the cache's entries hold.
func (c *Cache) Size() (int64, error) {
	es, err := c.entries()
	var n int64
	for _, e := range es {
		n += e.bytes
	}
	return n, err
}

// Evict removes the least recently used entries until the cache is under
// its cap, skipping entries a run holds, and clears stale temporary files.
func (c *Cache) Evict() error {
	lf, err := os.OpenFile(filepath.Join(c.root, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := lockExclusive(lf); err != nil {
		return err
	}
	c.clearTmp()
	es, err := c.entries()
	if err != nil {
		return err
	}
	var total int64
	for _, e := range es {
		total += e.bytes
	}
	for _, e := range es {
		if total <= c.max {
			break
		}
		if c.evictOne(e.key) {
			total -= e.bytes
		}
	}
	return nil
}

// evictOne moves an entry away and deletes it, unless a run holds it.
func (c *Cache) evictOne(key string) bool {
	dir := filepath.Join(c.root, "entries", key)
	lock, err := os.Open(filepath.Join(dir, "lock"))
	if err == nil {
		ok, _ := tryExclusive(lock)
		if !ok {
			lock.Close()
			return false
		}
		defer lock.Close()
	}
	trash := filepath.Join(c.root, "tmp", randomName("evict-"))
	if err := os.Rename(dir, trash); err != nil {
		return false
	}
	os.RemoveAll(trash)
	return true
}

// clearTmp removes what crashed runs left in tmp (older than an hour).
func (c *Cache) clearTmp() {
	des, _ := os.ReadDir(filepath.Join(c.root, "tmp"))
	for _, de := range des {
		if info, err := de.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.RemoveAll(filepath.Join(c.root, "tmp", de.Name()))
		}
	}
}
