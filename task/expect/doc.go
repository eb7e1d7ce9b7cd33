// Package expect checks a job's expectations on the rows as read: Scan
// counts the violations of not_null, null_fraction_max, between and in
// rules in the scan pass (keeping the first MaxExamples violating rows of
// each rule) and writes the values of unique rules, hash-partitioned, for
// the expect-unique stage; there Sorter orders one partition's values
// within a memory budget (spilling sorted runs) and Duplicates counts the
// rows whose value repeats. Counts merge on the driver in task order.
package expect
