// Package citibike is the built-in generator of a Citi Bike-like trips
// dataset (input.generate kind citibike, driver gen citibike): Generate
// makes any range of rows in canonical types, Reader reads a range batch
// by batch, and Write writes rows as Parquet files.
//
// Every value is a function of (seed, row index) alone, so any split of a
// range gives the same rows. Generate hands over one reference (+1): the
// caller releases the batch; a Reader lends each batch until the next call
// to Next or Close.
package citibike
