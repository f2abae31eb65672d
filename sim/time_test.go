package sim

import (
	"math"
	"testing"
)

func TestSeconds(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want Time
	}{
		{0, 0},
		{1, Second},
		{1.5e-3, 1500 * Microsecond},
		{-2, -2 * Second},
		{0.4e-9, 0},                 // rounds to the nearest nanosecond
		{0.6e-9, 1},                 //
		{-0.6e-9, -1},               //
		{1e-9 * (1 << 53), 1 << 53}, // exact at the edge of float64 integers
		{1e10, Forever},             // 317 years: beyond int64 ns
		{math.Inf(1), Forever},
		{math.Inf(-1), -Forever},
		{-1e10, -Forever},
		{math.NaN(), Forever},
	} {
		if got := Seconds(tc.s); got != tc.want {
			t.Errorf("Seconds(%v) = %d, want %d", tc.s, got, tc.want)
		}
	}
	for _, tc := range []struct {
		t    Time
		want string
	}{
		{0, "0s"},
		{1500 * Millisecond, "1.5s"},
		{Nanosecond, "1e-09s"},
		{Forever, "forever"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%d.String() = %q, want %q", int64(tc.t), got, tc.want)
		}
	}
	if got := (250 * Millisecond).Seconds(); got != 0.25 {
		t.Errorf("Seconds() = %v, want 0.25", got)
	}
}
