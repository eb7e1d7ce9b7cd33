package guard

import (
	"bytes"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DecodeSchema decodes the schema that starts the Arrow IPC stream data
// (a schema sent by a peer, a shuffle index's schema) after SchemaMessage
// has checked it, and returns it with the schema message's length in data:
// ipc.NewReader would allocate whatever lengths a damaged message states
// before reading them. No message may state more bytes than data holds.
func DecodeSchema(data []byte) (*arrow.Schema, int, error) {
	n, err := SchemaMessage(data)
	if err != nil {
		return nil, 0, err
	}
	limit := int64(len(data))
	mem := memory.NewGoAllocator()
	mr := ipc.NewMessageReader(bytes.NewReader(data), ipc.WithAllocator(mem),
		ipc.WithMetadataSizeLimit(limit), ipc.WithBodySizeLimit(limit))
	rd, err := ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mem))
	if err != nil {
		return nil, 0, err
	}
	defer rd.Release()
	return rd.Schema(), n, nil
}
