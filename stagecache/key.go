package stagecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
)

// Key builds a stage's key: a sha256 over labelled parts, each length
// prefixed, after FormatVersion.
type Key struct{ h hash.Hash }

// NewKey starts the key of a stage kind.
func NewKey(stage string) *Key {
	k := &Key{h: sha256.New()}
	k.Bytes("sluice-stage-cache", []byte(fmt.Sprint(FormatVersion)))
	k.Bytes("stage", []byte(stage))
	return k
}

// Bytes adds a labelled part.
func (k *Key) Bytes(label string, b []byte) *Key {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(label)))
	k.h.Write(n[:])
	k.h.Write([]byte(label))
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	k.h.Write(n[:])
	k.h.Write(b)
	return k
}

// JSON adds a labelled part as its canonical JSON (Go's encoding: struct
// fields in order, map keys sorted) with every "Line", "Col" and "File"
// field removed, so that moving a section in the job file keeps its key.
func (k *Key) JSON(label string, v any) error {
	b, err := CanonicalJSON(v)
	if err != nil {
		return fmt.Errorf("stage cache key %s: %w", label, err)
	}
	k.Bytes(label, b)
	return nil
}

// Sum is the key, in hex.
func (k *Key) Sum() string { return hex.EncodeToString(k.h.Sum(nil)) }

// CanonicalJSON is v's JSON with the job-file positions removed.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	// Numbers stay as written: a seed above 2^53 must not round.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return json.Marshal(strip(x))
}

func strip(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for _, f := range []string{"Line", "Col", "File"} {
			delete(t, f)
		}
		for k, v := range t {
			t[k] = strip(v)
		}
	case []any:
		for i, v := range t {
			t[i] = strip(v)
		}
	}
	return x
}
