package csvscan

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/vocab"
)

// inferRows is how many data rows of each file CSV type inference reads.
const inferRows = 1000

// defaultNulls are the strings read as null when input.csv.null is not set.
var defaultNulls = []string{"", "NA", "null"}

// csvConfig is the resolved input.csv section.
type csvConfig struct {
	comma  rune
	header bool
	nulls  []string
	types  map[string]csvKind
}

// resolveCSV checks input.csv. Header is used as given: the job file parser
// fills its default (true).
func resolveCSV(o vocab.CSVOptions) (csvConfig, error) {
	c := csvConfig{comma: ',', header: o.Header, nulls: o.Null}
	if o.Delimiter != "" {
		r, n := utf8.DecodeRuneInString(o.Delimiter)
		if n != len(o.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
			return c, fmt.Errorf("input.csv.delimiter: must be one character other than a quote or newline (got %q)", o.Delimiter)
		}
		c.comma = r
	}
	if c.nulls == nil {
		c.nulls = defaultNulls
	}
	if len(o.Types) > 0 {
		c.types = make(map[string]csvKind, len(o.Types))
		for col, t := range o.Types {
			k, ok := csvTypeNames[t]
			if !ok {
				return c, fmt.Errorf("input.csv.types.%s: unknown type %q (allowed: int64, float64, string, bool, timestamp)", col, t)
			}
			c.types[col] = k
		}
	}
	return c, nil
}

func (c csvConfig) isNull(s string) bool {
	for _, n := range c.nulls {
		if s == n {
			return true
		}
	}
	return false
}

// newCSV returns an encoding/csv reader over r with the config's delimiter.
func (c csvConfig) newCSV(r io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.Comma = c.comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// csvError turns an encoding/csv error into "path:LINE: ...".
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", path, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %v", path, err)
}

// csvHeader reads the header record (or, without a header, peeks at the
// first record for the column count) and returns the column names.
// Without a header the columns are named _c0, _c1, ...
func csvHeader(path string, cr *csv.Reader, header bool) (names []string, first []string, err error) {
	rec, err := cr.Read()
	if err == io.EOF {
		if !header {
			return nil, nil, fmt.Errorf("%s: empty CSV file", path)
		}
		return nil, nil, fmt.Errorf("%s: empty CSV file (a header row is required)", path)
	}
	if err != nil {
		return nil, nil, csvError(path, err)
	}
	if !header {
		names = make([]string, len(rec))
		for i := range names {
			names[i] = fmt.Sprintf("_c%d", i)
		}
		return names, append([]string(nil), rec...), nil
	}
	names = append([]string(nil), rec...)
	names[0] = strings.TrimPrefix(names[0], "\ufeff")
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return nil, nil, fmt.Errorf("%s:1: column %d has an empty name in the header", path, i+1)
		}
		if j, ok := seen[n]; ok {
			return nil, nil, fmt.Errorf("%s:1: column %q appears twice in the header (columns %d and %d)", path, n, j+1, i+1)
		}
		seen[n] = i
	}
	return names, nil, nil
}

// inferCSVFile reads a file's header and first inferRows rows and returns
// its column names and kinds (kindUnknown for columns with only nulls).
func inferCSVFile(path string, c csvConfig) ([]string, []csvKind, error) {
	f, err := storage.Open(context.Background(), path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cr := c.newCSV(f)
	names, first, err := csvHeader(path, cr, c.header)
	if err != nil {
		return nil, nil, err
	}
	cand := make([]uint8, len(names))
	seen := make([]bool, len(names))
	for i := range cand {
		cand[i] = canAll
	}
	observe := func(rec []string) error {
		if len(rec) != len(names) {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%s:%d: expected %d fields, got %d", path, line, len(names), len(rec))
		}
		for i, s := range rec {
			if cand[i] == 0 || c.isNull(s) {
				continue
			}
			seen[i] = true
			cand[i] &= candidates(s)
		}
		return nil
	}
	if first != nil {
		if err := observe(first); err != nil {
			return nil, nil, err
		}
	}
	for n := 0; n < inferRows; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(path, err)
		}
		if err := observe(rec); err != nil {
			return nil, nil, err
		}
	}
	kinds := make([]csvKind, len(names))
	for i := range kinds {
		kinds[i] = kindFromCandidates(cand[i], seen[i])
	}
	for col, k := range c.types {
		i := indexOf(names, col)
		if i < 0 {
			return nil, nil, fmt.Errorf("input.csv.types: no column %q in %s (columns: %s)", col, path, strings.Join(names, ", "))
		}
		kinds[i] = k
	}
	return names, kinds, nil
}

func indexOf(names []string, n string) int {
	for i, m := range names {
		if m == n {
			return i
		}
	}
	return -1
}

// mergeKind unifies a column's kind across files: only-null columns take
// the other file's kind and int64 widens to float64; anything else must
// agree.
func mergeKind(a, b csvKind) (csvKind, bool) {
	switch {
	case a == b:
		return a, true
	case a == kindUnknown:
		return b, true
	case b == kindUnknown:
		return a, true
	case (a == kindInt && b == kindFloat) || (a == kindFloat && b == kindInt):
		return kindFloat, true
	}
	return a, false
}

// Schema infers the types of the CSV files paths (options o, the
// input.csv section) from each file's first rows, unifies them and returns
// the dataset's canonical schema. Errors name the file, line and column.
func Schema(paths []string, o vocab.CSVOptions) (*arrow.Schema, error) {
	c, err := resolveCSV(o)
	if err != nil {
		return nil, err
	}
	var names []string
	var kinds []csvKind
	var firstPath string
	// kindFrom remembers which file decided each column's kind, for errors.
	var kindFrom []string
	for _, path := range paths {
		n, k, err := inferCSVFile(path, c)
		if err != nil {
			return nil, err
		}
		if names == nil {
			names, kinds, firstPath = n, k, path
			kindFrom = make([]string, len(n))
			for i := range kindFrom {
				kindFrom[i] = path
			}
		} else {
			if err := sameNames(firstPath, names, path, n); err != nil {
				return nil, err
			}
			for i := range kinds {
				m, ok := mergeKind(kinds[i], k[i])
				if !ok {
					return nil, fmt.Errorf("input: schema mismatch: column %q is %s in %s but %s in %s", names[i], kinds[i], kindFrom[i], k[i], path)
				}
				if kinds[i] == kindUnknown {
					kindFrom[i] = path
				}
				kinds[i] = m
			}
		}
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: kinds[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// sameNames checks two CSV headers agree.
func sameNames(pa string, a []string, pb string, b []string) error {
	for i, n := range a {
		if i >= len(b) {
			return fmt.Errorf("input: schema mismatch: column %q is in %s but not in %s", n, pa, pb)
		}
		if b[i] != n {
			if indexOf(b, n) < 0 {
				return fmt.Errorf("input: schema mismatch: column %q is in %s but not in %s", n, pa, pb)
			}
			return fmt.Errorf("input: schema mismatch: column %d is %q in %s but %q in %s", i+1, n, pa, b[i], pb)
		}
	}
	if len(b) > len(a) {
		extra := append([]string(nil), b[len(a):]...)
		sort.Strings(extra)
		return fmt.Errorf("input: schema mismatch: column %q is in %s but not in %s", extra[0], pb, pa)
	}
	return nil
}
