package hashing

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Column fills out[i] with the hash of col's value i (Int64, Float64, Bool,
// Bytes, or Null for nulls), for the canonical engine types. Dictionary
// strings are hashed once per dictionary entry.
func Column(col arrow.Array, out []uint64) error {
	n := col.Len()
	out = out[:n]
	switch c := col.(type) {
	case *array.Int64:
		for i, v := range c.Int64Values() {
			out[i] = Int64(v)
		}
	case *array.Timestamp:
		for i, v := range c.TimestampValues() {
			out[i] = Int64(int64(v))
		}
	case *array.Float64:
		for i, v := range c.Float64Values() {
			out[i] = Float64(v)
		}
	case *array.Boolean:
		for i := 0; i < n; i++ {
			out[i] = Bool(c.Value(i))
		}
	case *array.String:
		for i := 0; i < n; i++ {
			out[i] = String(c.Value(i))
		}
	case *array.Dictionary:
		dict, ok := c.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("hashing: dictionary of %s is not supported (strings only)", c.Dictionary().DataType())
		}
		hd := make([]uint64, dict.Len())
		for i := range hd {
			hd[i] = String(dict.Value(i))
		}
		idx := c.Indices().(*array.Int32).Int32Values()
		for i, j := range idx {
			if c.IsValid(i) {
				out[i] = hd[j]
			}
		}
	default:
		return fmt.Errorf("hashing: column type %s is not supported (int64, float64, bool, timestamp, string)", col.DataType())
	}
	if col.NullN() > 0 {
		for i := 0; i < n; i++ {
			if col.IsNull(i) {
				out[i] = NullTag
			}
		}
	}
	return nil
}
