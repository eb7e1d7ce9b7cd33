package shard

import "fmt"

// Output formats accepted by the writers.
const (
	FormatArrow   = "arrow"   // Arrow IPC file format
	FormatParquet = "parquet" // Parquet (arrow-go's encoders)
)

// Compression codecs accepted by the writers.
const (
	CompressionZstd = "zstd"
	CompressionLZ4  = "lz4" // LZ4 frame in Arrow IPC, LZ4_RAW in Parquet
	CompressionNone = "none"
)

func checkFormat(format, compression string) error {
	if format != FormatArrow && format != FormatParquet {
		return fmt.Errorf("output.format: unknown format %q; allowed: arrow, parquet", format)
	}
	switch compression {
	case CompressionZstd, CompressionLZ4, CompressionNone:
		return nil
	}
	return fmt.Errorf("output.compression: unknown compression %q; allowed: zstd, lz4, none", compression)
}
