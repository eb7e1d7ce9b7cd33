package sink

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WriteTable writes batch as one file at relPath inside txn.Dir() (for an
// aggregate table, AggregatePath(name, format)) in the shard format and
// compression, and returns its ShardInfo (Path is relPath). The batch is
// only read.
func WriteTable(txn *Txn, relPath, format, compression string, batch arrow.RecordBatch, mem memory.Allocator) (ShardInfo, error) {
	if txn == nil || txn.state != txnOpen {
		return ShardInfo{}, fmt.Errorf("%s: output transaction is not open", relPath)
	}
	if batch == nil {
		return ShardInfo{}, fmt.Errorf("%s: nil batch", relPath)
	}
	w, err := NewShardWriterIn(txn.Dir(), relPath, format, compression, batch.Schema(), mem)
	if err != nil {
		return ShardInfo{}, err
	}
	err = w.Write(batch)
	info, cerr := w.Close()
	if err != nil {
		return ShardInfo{}, err
	}
	return info, cerr
}
