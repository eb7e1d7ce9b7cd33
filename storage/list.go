package storage

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"gocloud.dev/blob"
)

// Object is one listed object.
type Object struct {
	URL  string // scheme://bucket/key
	Rel  string // key relative to the listed prefix ('/'-separated); the base name for a single object
	Size int64
}

// List resolves a remote URL to objects sorted by key:
//   - an object's exact key gives that object;
//   - a prefix (with or without a trailing '/') gives every object under
//     it, recursively, like a directory;
//   - a last path element with * ? or [ matches names in that "directory".
//
// A URL that matches nothing is a NotFoundError naming it.
func List(ctx context.Context, s string) ([]Object, error) {
	l, err := Parse(s)
	if err != nil {
		return nil, err
	}
	if l.Local() {
		return nil, fmt.Errorf("%s: storage.List lists object stores only", s)
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return nil, err
	}
	dir, pattern := "", ""
	if base := path.Base(l.Key); l.Key != "" && strings.ContainsAny(base, "*?[") {
		if strings.ContainsAny(path.Dir(l.Key), "*?[") {
			return nil, fmt.Errorf("%s: wildcards are allowed only in the last path element", s)
		}
		if _, err := path.Match(base, ""); err != nil {
			return nil, fmt.Errorf("%s: bad pattern %q: %v", s, base, err)
		}
		dir, pattern = path.Dir(l.Key)+"/", base
		if dir == "./" {
			dir = ""
		}
	} else if l.Key != "" && !strings.HasSuffix(l.Key, "/") {
		a, err := b.Attributes(ctx, l.Key)
		if err == nil {
			return []Object{{URL: s, Rel: path.Base(l.Key), Size: a.Size}}, nil
		}
		if werr := wrap(s, "stat", err); !IsNotFound(werr) {
			return nil, werr
		}
		dir = l.Key + "/"
	} else {
		dir = l.Key
	}
	opts := &blob.ListOptions{Prefix: dir}
	if pattern != "" {
		opts.Delimiter = "/"
	}
	it := b.List(opts)
	var out []Object
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrap(s, "list", err)
		}
		if o.IsDir || strings.HasSuffix(o.Key, "/") {
			continue
		}
		rel := strings.TrimPrefix(o.Key, dir)
		if pattern != "" {
			if ok, _ := path.Match(pattern, rel); !ok {
				continue
			}
		}
		out = append(out, Object{URL: Location{Scheme: l.Scheme, Bucket: l.Bucket, Key: o.Key}.String(), Rel: rel, Size: o.Size})
	}
	if len(out) == 0 {
		ok, err := b.IsAccessible(ctx)
		if err != nil {
			return nil, wrap(s, "list", err)
		}
		if !ok {
			return nil, &NotFoundError{URL: s, msg: fmt.Sprintf("%s: bucket %q does not exist", s, l.Bucket)}
		}
		return nil, &NotFoundError{URL: s, msg: fmt.Sprintf("%s: no objects at or under this URL", s)}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

// Delete removes one object; a missing one is no error.
func Delete(ctx context.Context, s string) error {
	l, err := Parse(s)
	if err != nil {
		return err
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, l.Key); err != nil {
		if werr := wrap(s, "delete", err); !IsNotFound(werr) {
			return werr
		}
	}
	return nil
}

// Exists reports whether an object exists.
func Exists(ctx context.Context, s string) (bool, error) {
	l, err := Parse(s)
	if err != nil {
		return false, err
	}
	if l.Local() {
		return false, fmt.Errorf("%s: storage.Exists checks object stores only", s)
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return false, err
	}
	ok, err := b.Exists(ctx, l.Key)
	if err != nil {
		return false, wrap(s, "stat", err)
	}
	return ok, nil
}

// CheckBucket fails with a clear error when the bucket of URL s does not
// exist or the credentials cannot reach it.
func CheckBucket(ctx context.Context, s string) error {
	l, err := Parse(s)
	if err != nil {
		return err
	}
	if l.Local() {
		return nil
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return err
	}
	// Listing one key checks the bucket and the credentials together.
	if _, _, err := b.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: l.Key}); err != nil {
		return wrap(s, "list", err)
	}
	return nil
}
