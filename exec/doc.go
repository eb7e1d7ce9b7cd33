// Package exec holds the operator model and the kernel interface shared by
// every engine.
//
// Ownership (read this before writing an operator):
//   - Next returns a batch that is borrowed: it stays valid until the next
//     call to Next or Close on the same operator. A caller that keeps it
//     longer calls Retain and later Release.
//   - Constructors that return Arrow data (arrays, batches) hand over one
//     reference (+1): the caller releases it.
//   - Close releases everything the operator still holds, including the last
//     batch it lent. Close is idempotent and safe without Open.
//   - Every allocation goes through the memory.Allocator given to the
//     operator, which is charged to the task's memory budget. Tests use
//     memory.NewCheckedAllocator and assert zero bytes outstanding.
//
// Canonical column types inside the engine (scans convert to these):
// int64, float64, bool, timestamp[us] (UTC), and strings as
// dictionary<int32, utf8>. Kernels switch on the type once per batch and
// then loop over typed slices, with separate loops for columns with and
// without nulls.
package exec
