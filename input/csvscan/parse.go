package csvscan

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/input/canonical"
)

// csvKind is a CSV column's type.
type csvKind uint8

const (
	kindUnknown csvKind = iota // only nulls seen so far
	kindInt
	kindFloat
	kindBool
	kindTime
	kindString
)

// csvTypeNames maps input.csv.types values to kinds.
var csvTypeNames = map[string]csvKind{
	"int64": kindInt, "float64": kindFloat, "bool": kindBool, "timestamp": kindTime, "string": kindString,
}

func (k csvKind) String() string {
	switch k {
	case kindInt:
		return "int64"
	case kindFloat:
		return "float64"
	case kindBool:
		return "bool"
	case kindTime:
		return "timestamp"
	case kindString:
		return "string"
	}
	return "unknown"
}

func (k csvKind) arrowType() arrow.DataType {
	switch k {
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindTime:
		return arrow.FixedWidthTypes.Timestamp_us
	}
	return canonical.DictString
}

// kindOf returns the csvKind of a canonical type.
func kindOf(dt arrow.DataType) csvKind {
	switch dt.ID() {
	case arrow.INT64:
		return kindInt
	case arrow.FLOAT64:
		return kindFloat
	case arrow.BOOL:
		return kindBool
	case arrow.TIMESTAMP:
		return kindTime
	}
	return kindString
}

// Candidate bits used by type inference.
const (
	canInt uint8 = 1 << iota
	canFloat
	canBool
	canTime
	canAll = canInt | canFloat | canBool | canTime
)

// candidates returns the kinds a non-null value parses as.
func candidates(s string) uint8 {
	t := strings.TrimSpace(s)
	var c uint8
	if _, err := strconv.ParseInt(t, 10, 64); err == nil {
		c |= canInt | canFloat
	} else if _, err := strconv.ParseFloat(t, 64); err == nil {
		c |= canFloat
	}
	if _, ok := parseBool(t); ok {
		c |= canBool
	}
	if _, ok := parseTimestamp(t); ok {
		c |= canTime
	}
	return c
}

// kindFromCandidates picks the narrowest kind all values allow.
func kindFromCandidates(c uint8, seen bool) csvKind {
	switch {
	case !seen:
		return kindUnknown
	case c&canInt != 0:
		return kindInt
	case c&canFloat != 0:
		return kindFloat
	case c&canBool != 0:
		return kindBool
	case c&canTime != 0:
		return kindTime
	}
	return kindString
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseTimestamp parses 'YYYY-MM-DD', optionally followed by ' ' or 'T',
// 'HH:MM:SS', an optional fraction of up to 9 digits (truncated to
// microseconds) and an optional 'Z', as microseconds since the epoch (UTC).
func parseTimestamp(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	us := daysFromCivil(y, m, d) * 86_400_000_000
	rest := s[10:]
	if rest == "" {
		return us, true
	}
	if len(rest) < 9 || (rest[0] != ' ' && rest[0] != 'T') || rest[3] != ':' || rest[6] != ':' {
		return 0, false
	}
	hh, ok1 := digits(rest[1:3])
	mm, ok2 := digits(rest[4:6])
	ss, ok3 := digits(rest[7:9])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	us += (hh*3600 + mm*60 + ss) * 1_000_000
	rest = rest[9:]
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac := rest[1:n]
		if len(frac) == 0 || len(frac) > 9 {
			return 0, false
		}
		var f int64
		for i := 0; i < 6; i++ {
			f *= 10
			if i < len(frac) {
				f += int64(frac[i] - '0')
			}
		}
		us += f
		rest = rest[n:]
	}
	if rest == "Z" {
		rest = ""
	}
	return us, rest == ""
}

// digits parses a short run of ASCII digits.
func digits(s string) (int64, bool) {
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
