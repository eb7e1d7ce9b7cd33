package parquetscan

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/input/guard"
)

// largeStringsAsDicts returns the manifest to read pf with when the Arrow
// schema stored in its footer records string columns as large strings
// (Polars and others write them so), or nil when it records none.
//
// String columns are read as dictionaries of the column chunk's Parquet
// dictionary (props marks them), but arrow-go gives a column the stored
// large string type instead, which decodes every value into a new string
// and leaves the scan to build a dictionary of them again. The manifest
// returned is built from the stored schema with those columns recorded
// as strings, so that they are read as dictionaries like any other
// string column; their values are the same.
func largeStringsAsDicts(pf *file.Reader, props *pqarrow.ArrowReadProperties) (*pqarrow.SchemaManifest, error) {
	kv := pf.MetaData().KeyValueMetadata()
	v := kv.FindValue(guard.ArrowSchemaKey)
	if v == nil {
		return nil, nil
	}
	stored, err := guard.DecodeStoredSchema(*v)
	if err != nil {
		return nil, err
	}
	fields := stored.Fields()
	changed := false
	for i, f := range fields {
		if f.Type.ID() == arrow.LARGE_STRING {
			fields[i].Type = arrow.BinaryTypes.String
			changed = true
		}
	}
	if !changed {
		return nil, nil
	}
	md := stored.Metadata()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(arrow.NewSchema(fields, &md)), ipc.WithAllocator(memory.DefaultAllocator))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s metadata: %v", guard.ArrowSchemaKey, err)
	}
	out := metadata.NewKeyValueMetadata()
	for i, k := range kv.Keys() {
		val := kv.Values()[i]
		if k == guard.ArrowSchemaKey {
			val = base64.StdEncoding.EncodeToString(buf.Bytes())
		}
		if err := out.Append(k, val); err != nil {
			return nil, err
		}
	}
	return pqarrow.NewSchemaManifest(pf.MetaData().Schema, out, props)
}
