package jobspec

import (
	"regexp"
	"strings"
)

// urlScheme matches a URL's scheme ("s3://").
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// checkPathURL refuses an input or output path with a scheme sluice cannot
// open (the storage package opens the allowed ones).
func (p *parser) checkPathURL(field string, line int, path string) error {
	m := urlScheme.FindStringSubmatch(path)
	if m == nil {
		return nil
	}
	switch strings.ToLower(m[1]) {
	case "s3", "gs", "file":
		return nil
	}
	return p.errf(line, field, "%q: unknown storage scheme %q (allowed: s3://bucket/prefix, gs://bucket/prefix, file:///path or a plain path)", path, m[1])
}
