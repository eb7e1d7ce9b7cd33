package citibike

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
)

// Schema is the schema of generated Citi Bike-like trips, in
// canonical types.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "trip_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "tripduration", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "starttime", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true},
	{Name: "start_station_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "start_station_name", Type: canonical.DictString, Nullable: true},
	{Name: "end_station_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "usertype", Type: canonical.DictString, Nullable: true},
	{Name: "birth_year", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "gender", Type: canonical.DictString, Nullable: true},
	{Name: "bikeid", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// Dictionaries of the generated string columns (index = dictionary id).
var (
	citibikeUsertypes = []string{"Subscriber", "Customer"}
	citibikeGenders   = []string{"Male", "Female", "Unknown"}
)

// Generator constants. Probabilities are thresholds on 24- or 16-bit
// uniform integers.
const (
	year2019Us       = 1546300800 * 1_000_000 // 2019-01-01T00:00:00Z
	yearUs           = 365 * 86_400_000_000
	startStepUs      = 1_577_000 // rows are ~1.6 s apart: 20M rows span 2019
	pSubscriber24    = 14763950  // 0.88 * 2^24
	pNullCustomer24  = 2516582   // 0.15 * 2^24
	pNullSubscr24    = 610080    // 0.036364 * 2^24: overall 5 % nulls
	pTail20          = 524       // 0.0005 * 2^20: trips of 20000..90000 s
	pMaleNull16      = 13107     // 0.20 * 2^16 (birth_year null)
	pFemaleNull16    = 19661     // +0.10
	pMale16          = 44152     // 0.6737 * 2^16 (birth_year known)
	pFemale16        = 61054     // +0.2579; the rest (6.8 %) Unknown
	pNeighbour8      = 64        // 25 % of trips end near where they started
	minTripDuration  = 60
	maxTripDuration  = 20000
	tailTripDuration = 90000
	minBikeID        = 14529
	numBikes         = 27000
)

// Generate returns rows [lo, hi) of the Citi Bike-like dataset for
// seed (+1: the caller releases the batch). Every value is a function of
// (seed, row index) alone, so any split of a range gives the same rows.
func Generate(seed uint64, lo, hi int64, mem memory.Allocator) (arrow.RecordBatch, error) {
	if lo < 0 || hi < lo {
		return nil, fmt.Errorf("input: Generate: bad row range [%d, %d)", lo, hi)
	}
	t := citibike()
	n := int(hi - lo)
	key := splitmix(seed ^ 0x6a09e667f3bcc908)

	tripBuf, trip := canonical.NewInt64s(mem, n)
	durBuf, dur := canonical.NewInt64s(mem, n)
	startBuf, start := canonical.NewInt64s(mem, n)
	ssBuf, ss := canonical.NewInt64s(mem, n)
	ssNameBuf, ssName := canonical.NewInt32s(mem, n)
	esBuf, es := canonical.NewInt64s(mem, n)
	userBuf, user := canonical.NewInt32s(mem, n)
	byBuf, by := canonical.NewInt64s(mem, n)
	genderBuf, gender := canonical.NewInt32s(mem, n)
	bikeBuf, bike := canonical.NewInt64s(mem, n)
	validBuf := canonical.NewBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	valid := validBuf.Bytes()
	clear(valid)
	nulls := 0
	// Reslicing to n lets the compiler drop the bounds checks in the loop.
	trip, dur, start, ss, es, by, bike = trip[:n], dur[:n], start[:n], ss[:n], es[:n], by[:n], bike[:n]
	ssName, user, gender = ssName[:n], user[:n], gender[:n]
	valid = valid[:(n+7)/8]

	for i := 0; i < n; i++ {
		row := lo + int64(i)
		c := key ^ (uint64(row) << 3)
		r0, r1, r3, r4 := splitmix(c), splitmix(c^1), splitmix(c^3), splitmix(c^4)

		trip[i] = row + 1
		customer := r0>>40 >= pSubscriber24
		var u int32
		if customer {
			u = 1
		}
		user[i] = u

		// Duration: log-normal from the quantile table, interpolated.
		k := r1 >> 52
		frac := float64((r1>>32)&0xfffff) / (1 << 20)
		d := t.dur[k] + (t.dur[k+1]-t.dur[k])*frac
		if customer {
			d *= 1.8
		}
		d = min(max(d, minTripDuration), maxTripDuration)
		if r1&0xfffff < pTail20 {
			d = maxTripDuration + float64((r1>>20)%(tailTripDuration-maxTripDuration))
		}
		dur[i] = int64(d)

		start[i] = year2019Us + int64((uint64(row)*startStepUs+r4%120_000_000)%yearUs)

		st := t.pick[r3>>48]
		ss[i] = t.ids[st]
		ssName[i] = int32(st)
		end := t.pick[(r3>>32)&0xffff]
		if r3&0xff < pNeighbour8 {
			e := int(st) + int((r3>>8)&7) - 3
			end = uint16(min(max(e, 0), numStations-1))
		}
		es[i] = t.ids[end]

		bike[i] = minBikeID + int64((r4>>32)%numBikes)

		// Birth year: later for customers, earlier for long trips, noise sd ~9.
		pNull := uint64(pNullSubscr24)
		mean := 1981.0
		if customer {
			pNull, mean = pNullCustomer24, 1989
		}
		g := r0 & 0xffff
		if (r0>>16)&0xffffff < pNull {
			nulls++
			by[i] = 0
			switch {
			case g < pMaleNull16:
				gender[i] = 0
			case g < pFemaleNull16:
				gender[i] = 1
			default:
				gender[i] = 2
			}
			continue
		}
		valid[i>>3] |= 1 << (i & 7)
		r2 := splitmix(c ^ 2)
		sum := float64(r2&0xffff) + float64((r2>>16)&0xffff) + float64((r2>>32)&0xffff) + float64(r2>>48)
		noise := (sum/65536 - 2) * (9 / 0.57735)
		y := mean - 4*t.z[k] + noise
		by[i] = int64(min(max(y+0.5, 1940), 2003))
		switch {
		case g < pMale16:
			gender[i] = 0
		case g < pFemale16:
			gender[i] = 1
		default:
			gender[i] = 2
		}
	}

	i64 := arrow.PrimitiveTypes.Int64
	cols := []arrow.Array{
		canonical.MakeArray(i64, n, 0, nil, tripBuf),
		canonical.MakeArray(i64, n, 0, nil, durBuf),
		canonical.MakeArray(arrow.FixedWidthTypes.Timestamp_us, n, 0, nil, startBuf),
		canonical.MakeArray(i64, n, 0, nil, ssBuf),
		dictArray(t.names, ssNameBuf, n, mem),
		canonical.MakeArray(i64, n, 0, nil, esBuf),
		dictArray(citibikeUsertypes, userBuf, n, mem),
		nil,
		dictArray(citibikeGenders, genderBuf, n, mem),
		canonical.MakeArray(i64, n, 0, nil, bikeBuf),
	}
	if nulls == 0 {
		validBuf.Release()
		validBuf = nil
	}
	cols[7] = canonical.MakeArray(i64, n, nulls, validBuf, byBuf)
	rec := array.NewRecordBatch(Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// dictArray builds a dictionary<int32, utf8> array from an index buffer
// (taken over) and a fixed dictionary.
func dictArray(dict []string, idx *memory.Buffer, n int, mem memory.Allocator) arrow.Array {
	indices := canonical.MakeArray(arrow.PrimitiveTypes.Int32, n, 0, nil, idx)
	defer indices.Release()
	d := canonical.StringArray(dict, mem)
	defer d.Release()
	return array.NewDictionaryArray(canonical.DictString, indices, d)
}
