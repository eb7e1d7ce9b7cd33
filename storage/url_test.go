package storage

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct {
		in   string
		want Location
	}{
		{"data/x.parquet", Location{Key: "data/x.parquet"}},
		{"/abs/dir", Location{Key: "/abs/dir"}},
		{"file:///abs/dir", Location{Key: "/abs/dir"}},
		{"file://localhost/abs", Location{Key: "/abs"}},
		{"s3://bkt", Location{Scheme: "s3", Bucket: "bkt"}},
		{"s3://bkt/a/b/", Location{Scheme: "s3", Bucket: "bkt", Key: "a/b/"}},
		{"S3://bkt/k", Location{Scheme: "s3", Bucket: "bkt", Key: "k"}},
		{"gs://g/p", Location{Scheme: "gs", Bucket: "g", Key: "p"}},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := map[string]string{
		"foo://bucket/x":   `unknown storage scheme "foo"`,
		"s3:///key":        "no bucket",
		"file://host/x":    `not host "host"`,
		"s3://b/k?region=": "query strings are not allowed",
	}
	for in, want := range bad {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), in) {
			t.Errorf("Parse(%q) error %v; want one naming the URL and saying %q", in, err, want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, c := range [][3]string{
		{"s3://b/out", "train/part-00000.arrow", "s3://b/out/train/part-00000.arrow"},
		{"s3://b/out/", "manifest.json", "s3://b/out/manifest.json"},
		{"s3://b", "x", "s3://b/x"},
		{"out/dir", "a/b", "out/dir/a/b"},
	} {
		got, err := Join(c[0], c[1])
		if err != nil || got != c[2] {
			t.Errorf("Join(%q, %q) = %q, %v; want %q", c[0], c[1], got, err, c[2])
		}
	}
}
