// Package expr is the expression language of `filter:` and `columns:` in
// job files: a recursive-descent parser (Parse), a type checker that binds
// an expression to a schema (Bind), and typed, vectorized evaluation over
// Arrow record batches (Bound.Eval, Filter).
//
// Language:
//
//	literals     42  1.5  .5  1e3  'text'  "text"  true  false  null
//	             (a quote inside a string is written twice: 'it''s')
//	columns      name  (identifier [A-Za-z_][A-Za-z0-9_]*)  `any name`
//	             (a backquote inside a quoted name is written twice)
//	arithmetic   + - * / %  unary -
//	comparison   = == != <> < <= > >=   (comparisons do not chain)
//	logic        and or not   (keywords are case-insensitive)
//	predicates   x is null, x is not null, x in (lit, ...), x not in (lit, ...)
//	functions    abs log sqrt year month hour coalesce
//
// Precedence, loosest first: or, and, not, comparison (also is/in),
// + -, * / %, unary -.
//
// Types. Columns may be int64, float64, bool, timestamp (any unit, UTC),
// dictionary<int32, utf8> strings (canonical) or plain utf8 strings.
//   - int op int is int64 for + - * % (wrapping on overflow like Go) and
//     float64 for /; an integer % by zero is null. Any float operand makes
//     the result float64 with IEEE semantics (1/0 = +Inf, 0/0 = NaN).
//   - Comparisons and logic give bool; and/or/not follow SQL three-valued
//     logic. NaN compares unequal to everything, itself included.
//   - Strings compare lexicographically by bytes; arithmetic on strings is a
//     type error. A dictionary column is compared by evaluating the
//     dictionary once and mapping the indices.
//   - A timestamp compares with a timestamp of the same unit or with a
//     string literal 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS[.ffffff]' (also with
//     a T separator), read as UTC and converted once at bind time.
//   - abs keeps its argument's type (abs of the smallest int64 wraps to
//     itself); log (natural) and sqrt give float64 with IEEE semantics:
//     log(0) = -Inf, log(-1) = NaN, sqrt(-1) = NaN; year, month and hour of
//     a timestamp give int64, computed in UTC.
//   - coalesce takes arguments of one type (ints and floats mix to
//     float64); strings give a dictionary<int32, utf8> result.
//   - IN lists hold literals of the operand's type; a null in the list
//     makes a non-matching row null, as in SQL.
//   - Null propagates through arithmetic, comparisons and functions.
//
// Ownership follows package exec: Eval and Filter return +1 references that
// the caller releases; every allocation goes through the given allocator.
package expr
