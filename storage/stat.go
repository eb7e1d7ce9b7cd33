package storage

import (
	"context"
	"os"
	"time"
)

// Stat is what identifies a file's version without reading it.
type Stat struct {
	Size    int64
	ModTime time.Time
	ETag    string // object stores only
}

// StatFile returns a local path's or an object's size, modification time
// and (for an object) ETag.
func StatFile(ctx context.Context, s string) (Stat, error) {
	l, err := Parse(s)
	if err != nil {
		return Stat{}, err
	}
	if l.Local() {
		st, err := os.Stat(l.Key)
		if err != nil {
			return Stat{}, err
		}
		return Stat{Size: st.Size(), ModTime: st.ModTime()}, nil
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return Stat{}, err
	}
	a, err := b.Attributes(ctx, l.Key)
	if err != nil {
		return Stat{}, wrap(s, "stat", err)
	}
	return Stat{Size: a.Size, ModTime: a.ModTime, ETag: a.ETag}, nil
}
