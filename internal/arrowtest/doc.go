// Package arrowtest holds the slow reference readings the tests of the
// input packages compare fast readers against.
package arrowtest
