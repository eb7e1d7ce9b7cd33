// Package e2e holds end-to-end property tests of the semantics users rely
// on: jobs run through engine.Run on small generated data (and on the
// flights data and peer engines where they are present), and every
// property is checked against an oracle written here in plain Go over the
// raw generated rows: conservation of rows, exact splits, leakage-free
// fits, determinism across layouts, aggregates, expectations.
//
// Run them with `go test ./e2e` (a few minutes); the package has no code
// outside its tests.
package e2e
