// Package eval is the vectorized evaluation core of expressions: the Node
// interface that every compiled kernel implements (a typed node that
// evaluates a whole record batch at once), the value kinds and their Arrow
// types, constants and input columns, and the building blocks kernels share:
// zeroed value and validity buffers, operands (a scalar constant or an
// array), string views over dictionary and plain utf8 columns, a string
// interner for computed dictionaries, and Take, which gathers selected rows.
//
// Package expr binds a parsed expression to a schema and builds the tree of
// nodes from the kernel packages (expr/ops, expr/strdate); this package
// knows nothing of the syntax.
//
// Ownership: Eval returns a +1 reference that the caller releases, and every
// allocation goes through Ctx.Mem.
package eval
