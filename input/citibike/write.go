package citibike

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// citibikeRowGroup is the row group size of written Citi Bike-like files.
const citibikeRowGroup = 1 << 20

// dictColumns are the written columns with dictionary encoding on: the
// strings and the low-cardinality integers. trip_id, starttime,
// tripduration and bikeid are written plain.
var dictColumns = []string{"start_station_name", "usertype", "gender", "start_station_id", "end_station_id", "birth_year"}

// Write writes rows generated with seed into files Parquet files
// dir/part-00000.parquet ... (zstd, row groups of 1Mi rows), each a
// contiguous, equal share of the rows. Each file is written under a hidden
// temporary name and renamed when complete.
func Write(dir string, rows int64, files int, seed uint64) error {
	if rows < 0 {
		return fmt.Errorf("gen citibike: --rows must be >= 0 (got %d)", rows)
	}
	if files < 1 {
		return fmt.Errorf("gen citibike: --files must be >= 1 (got %d)", files)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gen citibike: %v", err)
	}
	for i := 0; i < files; i++ {
		lo, hi := rows*int64(i)/int64(files), rows*int64(i+1)/int64(files)
		name := fmt.Sprintf("part-%05d.parquet", i)
		if err := writeFile(filepath.Join(dir, name), filepath.Join(dir, "."+name+".tmp"), seed, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, tmp string, seed uint64, lo, hi int64) (err error) {
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("gen citibike: %v", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(citibikeRowGroup),
		parquet.WithStats(true),
	}
	for _, c := range dictColumns {
		opts = append(opts, parquet.WithDictionaryFor(c, true))
	}
	mem := memory.DefaultAllocator
	fw, err := pqarrow.NewFileWriter(Schema, f, parquet.NewWriterProperties(opts...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	for pos := lo; pos < hi; pos += citibikeRowGroup {
		rec, err := Generate(seed, pos, min(pos+citibikeRowGroup, hi), mem)
		if err != nil {
			fw.Close()
			return err
		}
		err = fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	// Close also closes f.
	if err := fw.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("gen citibike: %v", err)
	}
	return nil
}
