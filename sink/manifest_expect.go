package sink

// Expectations is the manifest's record of the job's expect section: every
// rule checked, in file order, and whether it passed. A job whose rule
// failed under on_fail: error writes no manifest; under on_fail: warn the
// failed rules are listed here with their violations.
type Expectations struct {
	OnFail string            `json:"on_fail"` // error | warn
	Passed bool              `json:"passed"`  // every rule passed
	Rows   int64             `json:"rows"`    // rows checked: the rows as read, before the filter
	Rules  []ExpectationRule `json:"rules"`
}

// ExpectationRule is one rule's outcome.
type ExpectationRule struct {
	Column string `json:"column,omitempty"` // "" for the row-count rules
	Rule   string `json:"rule"`             // not_null, unique, between, in, null_fraction_max, rows_min, rows_max
	Spec   string `json:"spec"`             // the rule as written, e.g. "between [60, 86400]"
	Passed bool   `json:"passed"`
	// Violations are the rows that break the rule (null_fraction_max: the
	// null rows; unique: every row whose value another row shares; the
	// row-count rules: 0).
	Violations int64 `json:"violations"`
	// Fraction is null_fraction_max's nulls / rows.
	Fraction *float64 `json:"fraction,omitempty"`
	// Examples are up to 5 violating rows, the first in input order.
	Examples []ExpectationExample `json:"examples,omitempty"`
}

// ExpectationExample is one violating row: its input file (as in
// input.files), its 1-based row within that file (a CSV header is not a
// row) and its value.
type ExpectationExample struct {
	File  string `json:"file"`
	Row   int64  `json:"row"`
	Value string `json:"value"`
}
