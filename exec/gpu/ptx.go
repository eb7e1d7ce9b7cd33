package gpu

import (
	"embed"
	"io/fs"
	"strings"
)

// kernelFiles holds the committed PTX (what a GPU loads) and the CUDA
// sources they were generated from (embedded too, so that editing a
// kernel invalidates the go build cache of the emulator that includes it).
//
//go:embed kernels/*.ptx kernels/*.cu kernels/*.h
var kernelFiles embed.FS

// PTX returns the embedded PTX modules by name (hash, split, ...).
func PTX() map[string]string {
	out := map[string]string{}
	names, _ := fs.Glob(kernelFiles, "kernels/*.ptx")
	for _, n := range names {
		b, err := kernelFiles.ReadFile(n)
		if err != nil {
			continue
		}
		out[strings.TrimSuffix(strings.TrimPrefix(n, "kernels/"), ".ptx")] = string(b)
	}
	return out
}
