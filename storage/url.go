package storage

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Location is a parsed input or output place: a local path, or a bucket and
// a key (or key prefix) in an object store.
type Location struct {
	Scheme string // "s3", "gs", or "" for a local path (plain or file://)
	Bucket string // object stores only
	Key    string // object key or prefix without a leading '/'; the path for a local Location
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// IsURL reports whether s starts with a scheme ("xxx://"), known or not.
func IsURL(s string) bool { return schemeRE.MatchString(s) }

// IsRemote reports whether s names a place in an object store (s3:// or
// gs://). It is false for local paths, file:// URLs and malformed URLs
// (Parse tells what is wrong with those).
func IsRemote(s string) bool {
	l, err := Parse(s)
	return err == nil && !l.Local()
}

// Parse reads a path or URL. Plain paths and file:// URLs are local;
// s3://bucket/key and gs://bucket/key name object stores. Any other scheme
// is an error that names the URL and the allowed forms.
func Parse(s string) (Location, error) {
	m := schemeRE.FindStringSubmatch(s)
	if m == nil {
		return Location{Key: s}, nil
	}
	scheme, rest := strings.ToLower(m[1]), s[len(m[0]):]
	switch scheme {
	case "file":
		// file:///abs/path or file://localhost/abs/path.
		host, p, _ := strings.Cut(rest, "/")
		if host != "" && host != "localhost" {
			return Location{}, fmt.Errorf("%q: a file:// URL names a local path (file:///abs/path), not host %q", s, host)
		}
		return Location{Key: "/" + p}, nil
	case "s3", "gs":
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return Location{}, fmt.Errorf("%q: no bucket (write %s://bucket/prefix)", s, scheme)
		}
		if strings.ContainsAny(bucket, "?#") || strings.Contains(key, "?") {
			return Location{}, fmt.Errorf("%q: query strings are not allowed; the endpoint and region come from the AWS environment (AWS_ENDPOINT_URL_S3, AWS_REGION)", s)
		}
		return Location{Scheme: scheme, Bucket: bucket, Key: key}, nil
	}
	return Location{}, fmt.Errorf("%q: unknown storage scheme %q (allowed: s3://bucket/prefix, gs://bucket/prefix, file:///path or a plain path)", s, m[1])
}

// Local reports whether l is a local path.
func (l Location) Local() bool { return l.Scheme == "" }

// String is the URL (or the local path).
func (l Location) String() string {
	if l.Local() {
		return l.Key
	}
	return l.Scheme + "://" + l.Bucket + "/" + l.Key
}

// Join appends '/'-separated elements to the key.
func (l Location) Join(elem ...string) Location {
	if l.Local() {
		l.Key = path.Join(append([]string{l.Key}, elem...)...)
		return l
	}
	k := strings.TrimSuffix(l.Key, "/")
	for _, e := range elem {
		e = strings.Trim(e, "/")
		if e == "" {
			continue
		}
		if k == "" {
			k = e
		} else {
			k += "/" + e
		}
	}
	l.Key = k
	return l
}

// Join parses base and appends elements: the URL of an object under a
// prefix, or a local path joined with '/'.
func Join(base string, elem ...string) (string, error) {
	l, err := Parse(base)
	if err != nil {
		return "", err
	}
	return l.Join(elem...).String(), nil
}
