package shard

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// maxDirectDict bounds the dictionaries written to a Parquet row group as
// they are: a row group's dictionary page holds every entry of the
// batches' dictionary, used or not, so a larger one (a keep column of
// mostly unique strings, say) is decoded and hashed row by row instead.
const maxDirectDict = 1 << 16

// pqDict is the direct-write state of one dictionary column of a Parquet
// file: a batch's dictionary of string values is seeded into the open row
// group's dictionary encoder once, and batches over the same dictionary
// write their int32 indices without decoding or hashing a string. A batch
// with another dictionary (or one that cannot be seeded) is decoded and
// its strings hashed into the same encoder, whose entries then follow the
// seeded ones; a row group whose first batch could not be seeded is
// decoded throughout. Either way every data page of a column chunk is
// dictionary-encoded (until arrow-go's dictionary page limit), and the
// bytes depend only on the batches.
type pqDict struct {
	seeded arrow.Array // the open row group's seeded dictionary; nil before
	dense  bool        // the open row group's first batch was decoded

	checked arrow.ArrayData // the last dictionary checked, and whether
	ok      bool            // it can be seeded
}

// direct reports whether the indices of d can be written as they are to
// the open row group (and seeds it with d's dictionary when it is the
// row group's first batch).
func (s *pqDict) direct(d *array.Dictionary) bool {
	if s.dense {
		return false
	}
	if _, ok := d.Indices().(*array.Int32); !ok || !indicesInRange(d) {
		return false
	}
	dict := d.Dictionary()
	if s.seeded != nil {
		return dict.Data() == s.seeded.Data() || (s.seedable(dict) && array.Equal(dict, s.seeded))
	}
	if !s.seedable(dict) {
		return false
	}
	dict.Retain()
	s.seeded = dict
	return true
}

// decoded records that a batch is written decoded: a row group that holds
// strings hashed before any seeding is not seeded.
func (s *pqDict) decoded() {
	if s.seeded == nil {
		s.dense = true
	}
}

// seedable: a dictionary of at most maxDirectDict distinct, non-null
// string values (arrow-go's encoder numbers a seeded dictionary's entries
// in order, so a repeated value would shift every later index).
func (s *pqDict) seedable(dict arrow.Array) bool {
	if dict.Data() == s.checked {
		return s.ok
	}
	s.checked, s.ok = dict.Data(), false
	if dict.NullN() > 0 || dict.Len() > maxDirectDict {
		return false
	}
	seen := make(map[string]struct{}, dict.Len())
	switch v := dict.(type) {
	case *array.String:
		for i := range v.Len() {
			seen[v.Value(i)] = struct{}{}
		}
	case *array.LargeString:
		for i := range v.Len() {
			seen[v.Value(i)] = struct{}{}
		}
	default:
		return false
	}
	s.ok = len(seen) == dict.Len()
	return s.ok
}

// reset ends the row group.
func (s *pqDict) reset() {
	if s.seeded != nil {
		s.seeded.Release()
		s.seeded = nil
	}
	s.dense = false
	s.checked, s.ok = nil, false
}

// indicesInRange reports whether every valid int32 index of d points
// into its dictionary (an index outside it is reported by the decoding
// path, with the value).
func indicesInRange(d *array.Dictionary) bool {
	idx := d.Indices().(*array.Int32)
	n := int32(d.Dictionary().Len())
	vals := idx.Int32Values()
	lo, hi := int32(0), int32(-1)
	if idx.NullN() == 0 {
		for _, v := range vals {
			lo, hi = min(lo, v), max(hi, v)
		}
	} else {
		for i, v := range vals {
			if idx.IsValid(i) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return lo >= 0 && hi < n
}
