package kernels

import (
	"embed"
	"io/fs"
	"strings"
)

// kernelFiles holds the committed PTX (what a GPU loads) and the CUDA
// sources they were generated from (embedded too, so that editing a
// kernel invalidates the go build cache of the emulator that includes it).
//
//go:embed *.ptx *.cu *.h
var kernelFiles embed.FS

// PTX returns the embedded PTX modules by name (hash, split, ...).
func PTX() map[string]string {
	out := map[string]string{}
	names, _ := fs.Glob(kernelFiles, "*.ptx")
	for _, n := range names {
		b, err := kernelFiles.ReadFile(n)
		if err != nil {
			continue
		}
		out[strings.TrimSuffix(n, ".ptx")] = string(b)
	}
	return out
}
