package sim

import (
	"fmt"
	"math"
)

// Time is simulated time as an integer count of nanoseconds. Integer time
// keeps long runs from drifting and makes equal times compare exactly; cost
// models compute in float seconds and convert once with Seconds.
type Time int64

// Common durations.
const (
	Nanosecond  Time = 1
	Microsecond Time = 1000
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond

	// Forever is later than any event the kernel will ever hold.
	Forever Time = math.MaxInt64
)

// Seconds converts float seconds to Time, rounding to the nearest
// nanosecond. Values beyond the range of Time saturate at ±Forever; NaN
// converts to Forever so that a broken estimate never runs early.
func Seconds(s float64) Time {
	ns := s * 1e9
	switch {
	case math.IsNaN(ns), ns >= float64(Forever):
		return Forever
	case ns <= -float64(Forever):
		return -Forever
	}
	return Time(math.Round(ns))
}

// Seconds returns t in float seconds.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t in seconds, for messages and logs.
func (t Time) String() string {
	if t == Forever {
		return "forever"
	}
	return fmt.Sprintf("%.9gs", t.Seconds())
}
