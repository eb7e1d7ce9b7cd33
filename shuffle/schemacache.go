package shuffle

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/input/guard"
)

// shared holds the schemas and segment layouts this process decoded, for
// every Reader to use: the caches of one job carry the same schema
// messages, and a shard-write task holds a reader per scan task (hundreds
// at 333M rows). Decoded per reader, their schemas, fields, metadata and
// layouts were hundreds of thousands of live objects that every garbage
// collection marked again. Schemas and layouts are never changed once
// made, so readers on any goroutine share them. Past maxShared entries of
// either kind the cache starts over.
var shared = struct {
	sync.Mutex
	schemas map[string]*arrow.Schema // by schema message
	layouts map[layoutKey]*layout
}{schemas: map[string]*arrow.Schema{}, layouts: map[layoutKey]*layout{}}

const maxShared = 1024

// layoutKey is a segment schema message read as a file schema's segment.
type layoutKey struct {
	msg string
	out *arrow.Schema
}

// decodeSchema is guard.DecodeSchema, shared: the schema of the IPC
// schema message at the start of data and the message's length.
func decodeSchema(data []byte) (*arrow.Schema, int, error) {
	n, err := guard.SchemaMessage(data)
	if err != nil {
		return nil, 0, err
	}
	shared.Lock()
	s, ok := shared.schemas[string(data[:n])]
	shared.Unlock()
	if ok {
		return s, n, nil
	}
	// guard.DecodeSchema checks the same message, whose length is n.
	if s, _, err = guard.DecodeSchema(data); err != nil {
		return nil, 0, err
	}
	shared.Lock()
	if len(shared.schemas) >= maxShared {
		clear(shared.schemas)
	}
	shared.schemas[string(data[:n])] = s
	shared.Unlock()
	return s, n, nil
}

// sharedLayout returns the layout another reader made for a segment
// schema message at the start of seg read as out's, or nil.
func sharedLayout(seg []byte, out *arrow.Schema) *layout {
	n, err := guard.SchemaMessage(seg)
	if err != nil {
		return nil
	}
	shared.Lock()
	defer shared.Unlock()
	return shared.layouts[layoutKey{string(seg[:n]), out}]
}

// shareLayout offers lay to other readers of out's files. A layout with
// file dictionary ids refers to its file's dictionaries and stays the
// reader's own; without, it depends only on the two schemas: a column
// whose stored type would need a file dictionary fails for a file without
// one, so no other reader's dictionaries could make it differ.
func shareLayout(lay *layout) {
	if lay.ids {
		return
	}
	shared.Lock()
	defer shared.Unlock()
	if len(shared.layouts) >= maxShared {
		clear(shared.layouts)
	}
	shared.layouts[layoutKey{string(lay.msg), lay.out}] = lay
}
