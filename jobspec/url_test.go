package jobspec

import (
	"strings"
	"testing"
)

// An input or output path with a scheme sluice cannot open is a job-file
// error naming the line, the field and the URL; known schemes parse.
func TestPathURLSchemes(t *testing.T) {
	const src = "name: j\ninput: {path: IN, format: parquet}\nfeatures: {x: {transform: zscore}}\noutput: {path: OUT}\n"
	parse := func(in, out string) error {
		_, err := Parse("job.yaml", []byte(strings.NewReplacer("IN", in, "OUT", out).Replace(src)), nil)
		return err
	}
	for _, c := range [][2]string{{"s3://b/in/", "s3://b/out"}, {"gs://b/in", "file:///tmp/out"}, {"in/", "out"}} {
		if err := parse(c[0], c[1]); err != nil {
			t.Errorf("input %s, output %s: %v", c[0], c[1], err)
		}
	}
	for _, c := range []struct{ in, out, want string }{
		{"foo://b/in/", "out", `job.yaml:2: input.path: "foo://b/in/": unknown storage scheme "foo"`},
		{"in/", "hdfs://nn/out", `job.yaml:4: output.path: "hdfs://nn/out": unknown storage scheme "hdfs"`},
	} {
		err := parse(c.in, c.out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %s, output %s: %v; want %s", c.in, c.out, err, c.want)
		}
	}
}
