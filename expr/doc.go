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
//     where noted below (concat, case).
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
// Strings. Computed strings are dictionary<int32, utf8>; per-value
// functions of a dictionary column run once per dictionary entry and the
// rows gather the results by index.
//   - lower and upper use Unicode case mapping (Go's strings.ToLower and
//     ToUpper; no special casing, so upper('ß') is 'ß').
//   - length counts characters (Unicode code points), not bytes.
//   - substr(s, start[, len]) is SQL substring in characters: start 1 is
//     the first character, a negative start counts from the end (-1 is the
//     last), 0 is the position before the first; without len the rest of
//     the string; a negative len takes the characters before start; the
//     range is clipped to the string (as DuckDB's substring).
//   - concat(a, ...) takes strings and reads a null argument as the empty
//     string (as SQL's concat), so its result is never null. Cast other
//     types to string.
//   - starts_with(s, prefix) compares bytes; every string starts with the
//     empty string.
//   - x like p: % matches any run of characters (also none), _ exactly one
//     character; the match is case-sensitive and covers the whole string.
//     There is no escape character unless one is named: with escape '!',
//     !% and !_ match % and _ and !! matches !; any character after the
//     escape is literal, and a pattern ending in it is an error. The
//     pattern must be a constant string.
//
// Dates. Timestamps are UTC.
//   - day_of_week(ts) is the ISO day of the week: Monday 1 ... Sunday 7.
//   - date_diff(unit, start, end) gives int64 end minus start in unit, one
//     of microsecond, millisecond, second, minute, hour, day, week, month,
//     quarter, year (a constant string, any case). It counts unit
//     boundaries crossed, with buckets floored from 1970-01-01 (so
//     date_diff('day', '2020-01-01 23:00:00', '2020-01-02 01:00:00') is 1 and
//     date_diff('month', '2020-01-31', '2020-02-01') is 1), except week,
//     which is the day count divided by 7 rounded toward zero. start or
//     end may be a 'YYYY-MM-DD[ HH:MM:SS]' literal. These are DuckDB's
//     date_diff conventions.
//
// Casts. cast(x as T) fails the job on a value that does not convert,
// naming it; try_cast(x as T) gives null instead. A null stays null.
//   - int64 to float64 is exact to 2^53; float64 to int64 rounds half away
//     from zero (2.5 -> 3, -2.5 -> -3); NaN, ±Inf and values beyond the
//     int64 range do not convert.
//   - bool to int64 or float64 is 1 or 0; int64 or float64 to bool is
//     x != 0 (NaN is true).
//   - timestamp to int64 is the ticks of its unit since 1970-01-01 UTC;
//     int64 to timestamp reads microseconds (timestamp[us]); a timestamp of
//     another unit casts to timestamp[us].
//   - To string: decimal integers; the shortest float64 that reads back,
//     with .0 on integral values ('100.0', '1e+20'), nan, inf, -inf;
//     true, false; timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (trailing
//     zeros of the fraction dropped).
//   - From string (surrounding spaces ignored): int64 is an optional sign
//     and decimal digits; float64 is what Go's strconv.ParseFloat reads
//     (1.5, -2e3, nan, inf; huge values become ±Inf); bool is true, false,
//     1 or 0 in any case; timestamp is the literal forms above, UTC.
//   - Timestamps cast to and from int64 and string only; bools to and from
//     int64, float64 and string.
//
// Ownership follows package exec: Eval and Filter return +1 references that
// the caller releases; every allocation goes through the given allocator.
package expr
