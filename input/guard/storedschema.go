package guard

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// ArrowSchemaKey is the Parquet key-value metadata entry where Arrow
// writers store the Arrow schema (an IPC schema message, base64).
const ArrowSchemaKey = "ARROW:schema"

// Bounds of a stored schema that StoredSchema accepts.
const (
	schemaMaxNodes = 100_000 // tables visited (fields, types, metadata entries)
	schemaMaxDepth = 64      // field nesting
	unionTypeType  = 14      // Type union tag of Union
)

// StoredSchema checks that every offset and vector length in a stored
// Arrow schema stays inside its bytes, before arrow-go decodes it:
// arrow-go sizes slices from flatbuffer vector lengths unchecked, so a few
// damaged bytes in a Parquet footer could make it allocate ~100 GB and end
// the process.
func StoredSchema(serialized string) error {
	b, err := storedBytes(serialized)
	if err != nil {
		return err
	}
	body, _, err := messageBody(b)
	if err != nil {
		return fmt.Errorf("%s metadata: %v", ArrowSchemaKey, err)
	}
	c := &fbCheck{buf: body}
	if err := c.message(); err != nil {
		return fmt.Errorf("%s metadata is damaged: %v", ArrowSchemaKey, err)
	}
	return nil
}

// storedBytes decodes a stored Arrow schema's base64, padded or not (as
// arrow-go reads it).
func storedBytes(serialized string) ([]byte, error) {
	var b []byte
	var err error
	if len(serialized)%4 == 0 {
		b, err = base64.StdEncoding.DecodeString(serialized)
	}
	if len(b) == 0 || err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(serialized); err != nil {
			return nil, fmt.Errorf("%s metadata is not base64: %v", ArrowSchemaKey, err)
		}
	}
	return b, nil
}

// DecodeStoredSchema checks a stored Arrow schema as StoredSchema does
// and decodes it.
func DecodeStoredSchema(serialized string) (*arrow.Schema, error) {
	b, err := storedBytes(serialized)
	if err != nil {
		return nil, err
	}
	s, _, err := DecodeSchema(b)
	if err != nil {
		return nil, fmt.Errorf("%s metadata: %v", ArrowSchemaKey, err)
	}
	return s, nil
}

// SchemaMessage checks the first message of an Arrow IPC stream b, a
// schema message, as StoredSchema checks a stored schema, before arrow-go
// decodes it; n is the message's length in b.
func SchemaMessage(b []byte) (n int, err error) {
	body, n, err := messageBody(b)
	if err != nil {
		return 0, fmt.Errorf("schema message: %v", err)
	}
	c := &fbCheck{buf: body}
	if err := c.message(); err != nil {
		return 0, fmt.Errorf("schema message is damaged: %v", err)
	}
	return n, nil
}

// messageBody returns the flatbuffer of the IPC message at the start of b
// ([0xFFFFFFFF] int32 length, then the flatbuffer) and the length of the
// message's metadata in b.
func messageBody(b []byte) (body []byte, n int, err error) {
	skip := 0
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0xFFFFFFFF {
		skip = 4
	}
	b = b[skip:]
	if len(b) < 4 {
		return nil, 0, fmt.Errorf("message of %d bytes", len(b))
	}
	l := int64(int32(binary.LittleEndian.Uint32(b)))
	if l < 4 || l > int64(len(b)-4) {
		return nil, 0, fmt.Errorf("message length %d in %d bytes", l, len(b)-4)
	}
	return b[4 : 4+l], skip + 4 + int(l), nil
}

// fbCheck walks a flatbuffer Message holding an Arrow Schema, checking
// bounds only.
type fbCheck struct {
	buf   []byte
	nodes int
}

var errOutside = errors.New("offset outside the flatbuffer")

func (c *fbCheck) u32(p int64) (int64, error) {
	if p < 0 || p+4 > int64(len(c.buf)) {
		return 0, errOutside
	}
	return int64(binary.LittleEndian.Uint32(c.buf[p:])), nil
}

func (c *fbCheck) u16(p int64) (int64, error) {
	if p < 0 || p+2 > int64(len(c.buf)) {
		return 0, errOutside
	}
	return int64(binary.LittleEndian.Uint16(c.buf[p:])), nil
}

// fbTable is a checked table: its position and vtable.
type fbTable struct{ pos, vt, vtLen, tabLen int64 }

func (c *fbCheck) table(pos int64) (fbTable, error) {
	if c.nodes++; c.nodes > schemaMaxNodes {
		return fbTable{}, fmt.Errorf("more than %d tables", schemaMaxNodes)
	}
	so, err := c.u32(pos)
	if err != nil {
		return fbTable{}, err
	}
	t := fbTable{pos: pos, vt: pos - int64(int32(so))}
	if t.vtLen, err = c.u16(t.vt); err != nil {
		return fbTable{}, err
	}
	if t.tabLen, err = c.u16(t.vt + 2); err != nil {
		return fbTable{}, err
	}
	if t.vtLen < 4 || t.vt+t.vtLen > int64(len(c.buf)) || t.pos+t.tabLen > int64(len(c.buf)) {
		return fbTable{}, errOutside
	}
	return t, nil
}

// field returns the position of field i of t, 0 when absent. A field is
// present exactly when flatbuffers' reader takes it to be: its vtable
// slot starts inside the vtable's stated length, even when that length is
// odd and the slot's second byte lies past it (a damaged vtable may say
// 15; reading it as absent here would pass a vector arrow-go then sizes).
func (c *fbCheck) field(t fbTable, i int) (int64, error) {
	o := int64(4 + 2*i)
	if o >= t.vtLen {
		return 0, nil
	}
	off, err := c.u16(t.vt + o)
	if err != nil || off == 0 {
		return 0, err
	}
	if off >= t.tabLen {
		return 0, errOutside
	}
	return t.pos + off, nil
}

// ref follows the offset field i of t; 0 when absent.
func (c *fbCheck) ref(t fbTable, i int) (int64, error) {
	p, err := c.field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	off, err := c.u32(p)
	if err != nil {
		return 0, err
	}
	return p + off, nil
}

// sub checks the sub-table in field i of t; ok is false when absent.
func (c *fbCheck) sub(t fbTable, i int) (fbTable, bool, error) {
	q, err := c.ref(t, i)
	if err != nil || q == 0 {
		return fbTable{}, false, err
	}
	s, err := c.table(q)
	return s, err == nil, err
}

// vector checks the vector in field i of t, elem bytes per element, and
// returns its start and length.
func (c *fbCheck) vector(t fbTable, i int, elem int64) (int64, int64, error) {
	q, err := c.ref(t, i)
	if err != nil || q == 0 {
		return 0, 0, err
	}
	n, err := c.u32(q)
	if err != nil {
		return 0, 0, err
	}
	if q+4+n*elem > int64(len(c.buf)) {
		return 0, 0, fmt.Errorf("vector of %d elements outside the message", n)
	}
	return q + 4, n, nil
}

// tables checks a vector of tables in field i of t with each.
func (c *fbCheck) tables(t fbTable, i int, each func(fbTable) error) error {
	start, n, err := c.vector(t, i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		p := start + 4*k
		off, _ := c.u32(p)
		s, err := c.table(p + off)
		if err != nil {
			return err
		}
		if err := each(s); err != nil {
			return err
		}
	}
	return nil
}

func (c *fbCheck) keyValues(t fbTable, i int) error {
	return c.tables(t, i, func(kv fbTable) error {
		for f := range 2 {
			if _, _, err := c.vector(kv, f, 1); err != nil {
				return err
			}
		}
		return nil
	})
}

// message checks Message { version, header_type, header, bodyLength,
// custom_metadata } with a Schema header.
func (c *fbCheck) message() error {
	root, err := c.u32(0)
	if err != nil {
		return err
	}
	m, err := c.table(root)
	if err != nil {
		return err
	}
	if err := c.keyValues(m, 4); err != nil {
		return err
	}
	// A schema message has no body: arrow-go's stream reader allocates
	// the stated body length before reading it, without a limit.
	if p, err := c.field(m, 3); err != nil {
		return err
	} else if p != 0 {
		lo, err := c.u32(p)
		if err != nil {
			return err
		}
		hi, err := c.u32(p + 4)
		if err != nil {
			return err
		}
		if lo != 0 || hi != 0 {
			return fmt.Errorf("schema message states a body of %d bytes (a schema message has none)", hi<<32|lo)
		}
	}
	s, ok, err := c.sub(m, 2)
	if err != nil || !ok {
		return err
	}
	return c.schema(s)
}

// footer checks an Arrow IPC file's Footer { version, schema,
// dictionaries: [Block], recordBatches: [Block], custom_metadata }.
func (c *fbCheck) footer() error {
	root, err := c.u32(0)
	if err != nil {
		return err
	}
	ft, err := c.table(root)
	if err != nil {
		return err
	}
	if s, ok, err := c.sub(ft, 1); err != nil {
		return err
	} else if ok {
		if err := c.schema(s); err != nil {
			return err
		}
	}
	for _, f := range []int{2, 3} {
		if _, _, err := c.vector(ft, f, 24); err != nil {
			return err
		}
	}
	return c.keyValues(ft, 4)
}

// schema checks Schema { endianness, fields, custom_metadata, features }.
func (c *fbCheck) schema(s fbTable) error {
	if err := c.tables(s, 1, func(f fbTable) error { return c.schemaField(f, 0) }); err != nil {
		return err
	}
	if err := c.keyValues(s, 2); err != nil {
		return err
	}
	_, _, err := c.vector(s, 3, 8)
	return err
}

// ArrowFooter checks the footer of the Arrow IPC file f (size bytes)
// as StoredSchema checks a stored schema, before arrow-go reads it. A
// file too short for a footer is left to arrow-go's own error.
func ArrowFooter(f io.ReaderAt, size int64) error {
	const magic = 6
	var tail [4 + magic]byte
	if size < int64(len(tail))+magic+2 {
		return nil
	}
	if _, err := f.ReadAt(tail[:], size-int64(len(tail))); err != nil {
		return err
	}
	n := int64(int32(binary.LittleEndian.Uint32(tail[:])))
	if n <= 0 || n > size-int64(len(tail))-magic-2 {
		return fmt.Errorf("footer length %d in a %d-byte file", n, size)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-int64(len(tail))-n); err != nil {
		return err
	}
	c := &fbCheck{buf: buf}
	if err := c.footer(); err != nil {
		return fmt.Errorf("footer is damaged: %v", err)
	}
	return nil
}

// schemaField checks Field { name, nullable, type_type, type, dictionary,
// children, custom_metadata }.
func (c *fbCheck) schemaField(f fbTable, depth int) error {
	if depth > schemaMaxDepth {
		return fmt.Errorf("fields nested deeper than %d", schemaMaxDepth)
	}
	if _, _, err := c.vector(f, 0, 1); err != nil {
		return err
	}
	if ty, ok, err := c.sub(f, 3); err != nil {
		return err
	} else if ok {
		// Union { mode, typeIds: [int] }; other types hold scalars only.
		p, err := c.field(f, 2)
		if err != nil {
			return err
		}
		if p != 0 && c.buf[p] == unionTypeType {
			if _, _, err := c.vector(ty, 1, 4); err != nil {
				return err
			}
		}
	}
	if d, ok, err := c.sub(f, 4); err != nil {
		return err
	} else if ok {
		if _, _, err := c.sub(d, 1); err != nil {
			return err
		}
	}
	if err := c.tables(f, 5, func(ch fbTable) error { return c.schemaField(ch, depth+1) }); err != nil {
		return err
	}
	return c.keyValues(f, 6)
}
