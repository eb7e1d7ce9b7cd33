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
//	predicates   x is null, x is not null, x in (lit, ...), x not in (lit, ...),
//	             x like 'pattern' [escape 'c'], x not like ...
//	conditionals case when c then v ... [else e] end,
//	             case x when v then r ... [else e] end,  if(c, a, b)
//	casts        cast(x as T), try_cast(x as T); T is int64, float64,
//	             string, bool or timestamp
//	functions    abs log sqrt year month hour day_of_week date_diff
//	             coalesce lower upper length substr concat starts_with
//
// Reserved words: and or not is null in true false like case when then
// else end (quote a column with such a name: `end`). as and escape are
// keywords only inside cast and after a like pattern.
//
// Precedence, loosest first: or, and, not, comparison (also is/in/like),
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
//   - Null propagates through arithmetic, comparisons and functions, except
//     in concat (see package expr/strdate) and case (below).
//
// Conditionals. A row takes the first arm whose condition is true (false
// and null are not taken), else the else value, else null. The simple form
// compares x with each when value by =. if(c, a, b) is case when c then a
// else b end. Results share one type (null fits any; ints and floats mix
// to float64; timestamps share a unit). An arm's value is evaluated only
// when some row of the batch takes it, and an arm holding a cast only on
// the rows that take it, so a cast fails only for rows that reach it.
// Elsewhere (and, or, coalesce) every operand is evaluated on every row:
// use try_cast where a cast may meet values that do not convert.
//
// Strings, dates and casts. What the string functions, like and the date
// functions compute is documented in package expr/strdate, and what cast
// and try_cast compute in package expr/ops, beside their kernels.
//
// Layout. This package holds the syntax (Parse over the tokens of package
// expr/lex, the Expr tree, Columns, Conjuncts, RangeOf) and the binder
// (Bind), which type-checks a tree and builds it from the kernels of
// expr/ops and expr/strdate on the core of expr/eval.
//
// Ownership follows package exec: Eval and Filter return +1 references that
// the caller releases; every allocation goes through the given allocator.
package expr
