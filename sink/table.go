package sink

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/sink/shard"
)

// WriteTable writes batch as one file at relPath inside txn.Dir() (for an
// aggregate table, layout.AggregatePath(name, format)) in the shard format and
// compression, and returns its shard.Info (Path is relPath). The batch is
// only read.
func WriteTable(txn *Txn, relPath, format, compression string, batch arrow.RecordBatch, mem memory.Allocator) (shard.Info, error) {
	if txn == nil || txn.state != txnOpen {
		return shard.Info{}, fmt.Errorf("%s: output transaction is not open", relPath)
	}
	if batch == nil {
		return shard.Info{}, fmt.Errorf("%s: nil batch", relPath)
	}
	w, err := shard.NewWriterIn(txn.Dir(), relPath, format, compression, batch.Schema(), mem)
	if err != nil {
		return shard.Info{}, err
	}
	err = w.Write(batch)
	info, cerr := w.Close()
	if err != nil {
		return shard.Info{}, err
	}
	return info, cerr
}
