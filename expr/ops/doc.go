// Package ops holds the vectorized kernels of the expression operators:
// arithmetic (+ - * / % and unary -, abs, log, sqrt), comparisons (numbers,
// bools, timestamps, and strings through their dictionaries), three-valued
// and/or/not, is null, in lists, case (and if), coalesce, and cast and
// try_cast. Each kernel is an eval.Node built by a New function; package
// expr chooses and type-checks them when it binds an expression.
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
//     1 or 0 in any case; timestamp is 'YYYY-MM-DD' or
//     'YYYY-MM-DD HH:MM:SS[.ffffff]' (also with a T separator), UTC.
//   - Timestamps cast to and from int64 and string only; bools to and from
//     int64, float64 and string.
package ops
