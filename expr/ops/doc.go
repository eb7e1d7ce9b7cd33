// Package ops holds the vectorized kernels of the expression operators:
// arithmetic (+ - * / % and unary -, abs, log, sqrt), comparisons (numbers,
// bools, timestamps, and strings through their dictionaries), three-valued
// and/or/not, is null, in lists, case (and if), coalesce, and cast and
// try_cast. Each kernel is an eval.Node built by a New function; package
// expr chooses and type-checks them when it binds an expression.
package ops
