// Package workdir keeps an executor's files where they belong: job ids and
// output directories read from the wire are checked before they name a
// path, a directory in use is marked (HoldDir) and what dead runs left is
// removed (CleanDebris).
package workdir
