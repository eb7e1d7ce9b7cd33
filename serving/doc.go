// Package serving applies the fitted transforms recorded in a sluice
// output's manifest.json to raw rows, so a served model sees exactly the
// features it was trained on. It reuses the engine's kernels (exec/cpu
// Apply) with the Fitted parameters decoded from the manifest, and the
// label fill of the engine.
//
// Raw rows are an Arrow record batch holding each feature's source column
// (derived `columns:` of the job must be computed by the caller). Column
// types are the engine's canonical ones (int64, float64, bool,
// timestamp[us], dictionary<int32, utf8>); plain and large utf8 strings,
// narrower integers and float32 are converted first.
package serving
