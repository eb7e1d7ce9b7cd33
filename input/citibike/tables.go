package citibike

import (
	"fmt"
	"math"
	"sort"
	"sync"
)

// Station table of the Citi Bike-like generator: fixed, the same for every
// seed, so station ids and names are stable across generated datasets.
const (
	numStations   = 900
	minStationID  = 72
	maxStationID  = 4000
	stationSlots  = 1 << 16 // resolution of the skewed station sampler
	durQuantiles  = 4096    // resolution of the duration sampler
	stationTablSd = 0x5eed57a7
)

// citibikeTables are the generator's lookup tables, built once.
type citibikeTables struct {
	ids   [numStations]int64
	names []string
	// pick maps the top 16 bits of a random number to a station index with
	// Zipf-like (s = 1) frequencies.
	pick [stationSlots]uint16
	// z[k] is the standard normal quantile at (k+0.5)/durQuantiles and
	// dur[k] the matching log-normal trip duration (median 600 s).
	z   [durQuantiles + 1]float64
	dur [durQuantiles + 1]float64
}

var (
	tablesOnce sync.Once
	tables     *citibikeTables
)

func citibike() *citibikeTables {
	tablesOnce.Do(func() { tables = buildTables() })
	return tables
}

// Street word lists for station names ("W 21 St & 6 Ave").
var (
	crossStreets = func() []string {
		var s []string
		for i := 1; i <= 90; i++ {
			s = append(s, fmt.Sprintf("W %d St", i), fmt.Sprintf("E %d St", i))
		}
		return s
	}()
	avenues = []string{
		"1 Ave", "2 Ave", "3 Ave", "5 Ave", "6 Ave", "7 Ave", "8 Ave", "9 Ave", "10 Ave", "11 Ave", "12 Ave",
		"Broadway", "Lexington Ave", "Park Ave", "Madison Ave", "Amsterdam Ave", "Columbus Ave",
		"West End Ave", "Riverside Dr", "Central Park W", "Bowery", "Avenue A", "Avenue B", "Avenue C",
		"York Ave", "Allen St", "Hudson St", "Greenwich St", "Washington St", "Church St",
	}
)

func buildTables() *citibikeTables {
	t := &citibikeTables{}
	// Station ids: a fixed shuffle of minStationID..maxStationID, first 900, sorted.
	all := make([]int64, 0, maxStationID-minStationID+1)
	for id := int64(minStationID); id <= maxStationID; id++ {
		all = append(all, id)
	}
	for i := len(all) - 1; i > 0; i-- {
		j := int(splitmix(uint64(stationTablSd)^uint64(i)) % uint64(i+1))
		all[i], all[j] = all[j], all[i]
	}
	ids := all[:numStations]
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	copy(t.ids[:], ids)

	// Names: combination k = (i*stride) mod (len(cross)*len(avenues)) is
	// injective for i < 900 because stride is coprime with the product.
	nc, na := len(crossStreets), len(avenues)
	total := nc * na
	const stride = 2473 // prime, does not divide 180*30
	t.names = make([]string, numStations)
	for i := range t.names {
		k := (i*stride + 17) % total
		t.names[i] = crossStreets[k%nc] + " & " + avenues[k/nc]
	}

	// Popularity: rank r gets weight 1/(r+1); ranks are a fixed shuffle of stations.
	rank := make([]int, numStations)
	for i := range rank {
		rank[i] = i
	}
	for i := numStations - 1; i > 0; i-- {
		j := int(splitmix(uint64(stationTablSd)*3^uint64(i)) % uint64(i+1))
		rank[i], rank[j] = rank[j], rank[i]
	}
	w := make([]float64, numStations)
	var sum float64
	for st, r := range rank {
		w[st] = 1 / float64(r+1)
		sum += w[st]
	}
	// Each station gets at least one slot; the rest follow the weights.
	slots := make([]int, numStations)
	used := 0
	for st := range slots {
		slots[st] = max(1, int(math.Floor(w[st]/sum*(stationSlots-numStations))))
		used += slots[st]
	}
	for st := 0; used < stationSlots; st = (st + 1) % numStations {
		slots[st]++
		used++
	}
	k := 0
	for st, n := range slots {
		for ; n > 0; n-- {
			t.pick[k] = uint16(st)
			k++
		}
	}

	for k := 0; k <= durQuantiles; k++ {
		p := (float64(min(k, durQuantiles-1)) + 0.5) / durQuantiles
		t.z[k] = math.Sqrt2 * math.Erfinv(2*p-1)
		t.dur[k] = math.Exp(math.Log(600) + 0.75*t.z[k])
	}
	return t
}

// splitmix is the splitmix64 output function of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
