package guard

import "encoding/binary"

// Flatbuffer reads an Arrow IPC message's flatbuffer with the checks
// StoredSchema makes on every offset, vtable and vector, for decoders of
// messages other than schemas (a record batch read in place). A damaged
// flatbuffer gives an error, never a read outside its bytes.
type Flatbuffer struct{ c fbCheck }

// Table is a checked table of a Flatbuffer.
type Table = fbTable

// NewFlatbuffer reads the flatbuffer b (a message's metadata).
func NewFlatbuffer(b []byte) *Flatbuffer { return &Flatbuffer{c: fbCheck{buf: b}} }

// Root is the root table.
func (f *Flatbuffer) Root() (Table, error) {
	p, err := f.c.u32(0)
	if err != nil {
		return Table{}, err
	}
	return f.c.table(p)
}

// Sub is the table in field i of t; ok is false when the field is absent.
func (f *Flatbuffer) Sub(t Table, i int) (Table, bool, error) { return f.c.sub(t, i) }

// Uint8 is the byte-sized scalar field i of t (0 when absent).
func (f *Flatbuffer) Uint8(t Table, i int) (uint8, error) {
	b, err := f.scalar(t, i, 1)
	if err != nil || b == nil {
		return 0, err
	}
	return b[0], nil
}

// Int64 is the int64 scalar field i of t (0 when absent).
func (f *Flatbuffer) Int64(t Table, i int) (int64, error) {
	b, err := f.scalar(t, i, 8)
	if err != nil || b == nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// scalar is the n bytes of field i of t, nil when absent.
func (f *Flatbuffer) scalar(t Table, i, n int) ([]byte, error) {
	p, err := f.c.field(t, i)
	if err != nil || p == 0 {
		return nil, err
	}
	if p+int64(n) > int64(len(f.c.buf)) {
		return nil, errOutside
	}
	return f.c.buf[p : p+int64(n)], nil
}

// Structs is the vector of structs of size bytes each in field i of t: its
// bytes and length (empty when absent).
func (f *Flatbuffer) Structs(t Table, i, size int) ([]byte, int, error) {
	start, n, err := f.c.vector(t, i, int64(size))
	if err != nil {
		return nil, 0, err
	}
	return f.c.buf[start : start+n*int64(size)], int(n), nil
}
