package bench

import (
	"math"
	"slices"
)

// Median returns the median of xs (the mean of the two middle values for
// an even count), or 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Ratio returns a/b, or 0 (undefined: the report prints "-") when b is
// not a positive number.
func Ratio(a, b float64) float64 {
	if !(b > 0) {
		return 0
	}
	return a / b
}

// Cost returns the price in USD of seconds of an instance that costs
// pricePerHour USD per hour.
func Cost(seconds, pricePerHour float64) float64 {
	return seconds * pricePerHour / 3600
}

// PerSecond returns n/seconds, or 0 when seconds is not positive.
func PerSecond(n, seconds float64) float64 {
	return Ratio(n, seconds)
}

// relClose reports whether a and b agree within rel relative to the larger
// magnitude; NaN agrees only with NaN.
func relClose(a, b, rel float64) bool {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}
