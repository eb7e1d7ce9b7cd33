package cuda

import (
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec/gpu/kernels"
)

// TestPTXEntries checks that every kernel the emulator runs is an entry of
// the embedded PTX, so the real device finds it by name.
func TestPTXEntries(t *testing.T) {
	have := map[string]bool{}
	for _, ptx := range kernels.PTX() {
		for _, n := range kernelNames(ptx) {
			have[n] = true
		}
	}
	for _, n := range []string{"k_file_rows", "k_seeded2", "k_hash_values", "k_hash_buckets", "k_fill_u64", "k_transform_f32",
		"k_bucketize", "k_moments", "k_groupcount", "k_compact_count", "k_compact_scatter", "k_assign",
		"k_hash_strings", "k_gather_u64", "k_gather_i32", "k_vocab_values", "k_vocab_strings", "k_onehot", "k_filter_eval",
		"k_groupagg_slots", "k_groupagg_gids", "k_radix_hist", "k_scan_u32", "k_radix_scatter", "k_seg_starts", "k_groupagg_reduce",
		"k_sort_bits", "k_sort_hist", "k_sort_scan_up", "k_sort_scan_down", "k_sort_scatter",
		"k_window_count", "k_window_pick"} {
		if !have[n] {
			t.Errorf("kernel %s is not in the embedded PTX", n)
		}
	}
	if strings.Contains(strings.Join(mapValues(kernels.PTX()), ""), "fma.rn") {
		t.Error("the PTX contains fused multiply-adds: compile with -ffp-contract=off")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
