package planner

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// typeName is the user-facing name of a canonical column type.
func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64:
		return "int64"
	case arrow.FLOAT64:
		return "float64"
	case arrow.BOOL:
		return "bool"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.STRING, arrow.LARGE_STRING:
		return "string"
	case arrow.DICTIONARY:
		if d, ok := t.(*arrow.DictionaryType); ok {
			return typeName(d.ValueType)
		}
	}
	return t.String()
}

// isTransformNumeric: the types numeric transforms accept
// (int64, float64, timestamp, bool).
func isTransformNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.BOOL:
		return true
	}
	return false
}

// isValueNumeric: the types that are numbers proper (int64, float64, bool):
// labels and sum/mean/std/var.
func isValueNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.BOOL:
		return true
	}
	return false
}

// isString reports a string column (dictionary or plain).
func isString(t arrow.DataType) bool {
	return typeName(t) == "string"
}

// Hidden columns computed by RowKey and kept in the cache.
const (
	ColRowHash   = "__h"     // uint64: split-order hash, hashing.Seeded(split.seed, key)
	ColShardHash = "__h2"    // uint64: shard-order hash, hashing.Seeded(split.seed^ShardTag, key)
	ColRowID     = "__rowid" // int64: (input file index << 40) | row number in that file; the final tie-break
	ColKey       = "__key"   // int64 (uint64 bits): hash of the row key; the scan caches it for a split.key column (a (file, row) key is recomputed from __rowid) and later passes derive __h and __h2 from it
)

var hiddenTypes = map[string]arrow.DataType{
	ColRowHash:   arrow.PrimitiveTypes.Uint64,
	ColShardHash: arrow.PrimitiveTypes.Uint64,
	ColRowID:     arrow.PrimitiveTypes.Int64,
	ColKey:       arrow.PrimitiveTypes.Int64,
}

// ScratchCodec is the codec EXPLAIN shows for the cache; the engine's
// default (SLUICE_SCRATCH_CODEC overrides it at run time).
const ScratchCodec = "none"

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
