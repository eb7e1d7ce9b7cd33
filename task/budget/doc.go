// Package budget is an executor's memory budget: every Arrow allocation of
// its tasks is charged to it, and operators that buffer ask it before they
// grow. Its allocator keeps freed large buffers for the next allocations
// of their size (see PoolLimit). It also parses and prints byte sizes
// (--memory 8GiB).
package budget
