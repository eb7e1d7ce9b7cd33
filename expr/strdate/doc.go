// Package strdate holds the vectorized kernels of the string and date
// functions of expressions: lower, upper, length, substr, starts_with,
// concat and like over dictionary and plain utf8 strings (computed once
// per dictionary entry where the arguments allow), and year, month, hour,
// day_of_week and date_diff over UTC timestamps. Each kernel is an
// eval.Node built by a New function; package expr chooses and type-checks
// them when it binds an expression.
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
package strdate
