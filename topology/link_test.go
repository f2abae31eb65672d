package topology

import (
	"math"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// In these tests the received power gives SNR 15 over the whole 10 MHz, so
// a transfer alone gets 10 MHz · log2(16) = 40 Mbit/s, and each of two gets
// 5 MHz · log2(1 + 30) = 24.770981551934376 Mbit/s (halving the band
// halves the noise too).
func newTestLink() (*SharedLink, float64) {
	l := &SharedLink{Bandwidth: 10e6, Channel: Channel{NoiseDBmPerHz: -174}}
	return l, 15 * l.Channel.NoiseWatts(10e6)
}

func secs(s float64) sim.Time { return sim.Seconds(s) }

func TestSharedLinkAlone(t *testing.T) {
	l, rx := newTestLink()
	if err := l.Start(0, 7, 10e6, rx); err != nil {
		t.Fatal(err)
	}
	id, at, ok := l.NextCompletion()
	if !ok || id != 7 || at != secs(0.25) {
		t.Fatalf("NextCompletion = %d, %v, %v; want 7, 0.25s, true", id, at, ok)
	}
	if !l.Complete(at, id) || l.Active() != 0 {
		t.Fatal("transfer not removed")
	}
	if _, _, ok := l.NextCompletion(); ok {
		t.Error("empty link reports a completion")
	}
}

// TestSharedLinkJoin checks processor sharing by hand: A (10 Mbit) runs
// alone at 40 Mbit/s for 50 ms (2 Mbit sent); B (1 Mbit) joins and both get
// 24.771 Mbit/s, so B ends after 1/24.771 s = 40.3698 ms, when A has sent
// another 1 Mbit; A's last 7 Mbit then take 175 ms alone.
func TestSharedLinkJoin(t *testing.T) {
	l, rx := newTestLink()
	const rate2 = 24770981.551934376
	if got := l.RateWith(2, rx); !near(got, rate2, relTol) {
		t.Fatalf("shared rate %v, want %v", got, rate2)
	}
	must(t, l.Start(0, 1, 10e6, rx))
	must(t, l.Start(secs(0.05), 2, 1e6, rx))
	id, at, _ := l.NextCompletion()
	bEnd := 0.05 + 1e6/rate2
	if id != 2 || !closeTime(at, bEnd) {
		t.Fatalf("first completion %d at %v, want 2 at %.9fs", id, at, bEnd)
	}
	l.Complete(at, id)
	id, at, _ = l.NextCompletion()
	if want := bEnd + 7e6/40e6; id != 1 || !closeTime(at, want) {
		t.Fatalf("second completion %d at %v, want 1 at %.9fs", id, at, want)
	}
}

// TestSharedLinkConservesBits checks that, whatever the arrival pattern,
// the link sends exactly what was offered: with equal received powers the
// total rate depends only on the number of users, so the busy period can
// be summed by hand from the rates.
func TestSharedLinkConservesBits(t *testing.T) {
	l, rx := newTestLink()
	must(t, l.Start(0, 1, 4e6, rx))
	must(t, l.Start(0, 2, 4e6, rx))
	must(t, l.Start(0, 3, 4e6, rx))
	var last sim.Time
	for n := 3; n > 0; n-- {
		id, at, ok := l.NextCompletion()
		if !ok {
			t.Fatalf("only %d transfers finished", 3-n)
		}
		l.Complete(at, id)
		last = at
	}
	// All three share the link to the end: 12 Mbit at 3 × rate(3).
	want := 12e6 / (3 * l.RateWith(3, rx))
	if !closeTime(last, want) {
		t.Errorf("busy period %v, want %.9fs", last, want)
	}
}

func TestSharedLinkRefusesBadTransfers(t *testing.T) {
	l, rx := newTestLink()
	for _, c := range []struct {
		bits, rx float64
	}{{-1, rx}, {math.NaN(), rx}, {1, 0}, {1, -1}} {
		if err := l.Start(0, 1, c.bits, c.rx); err == nil {
			t.Errorf("Start(bits=%v, rx=%v) accepted", c.bits, c.rx)
		}
	}
	if l.Complete(0, 99) {
		t.Error("Complete of an unknown transfer reported true")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// closeTime allows the nanosecond rounding of each completion.
func closeTime(at sim.Time, want float64) bool {
	return math.Abs(at.Seconds()-want) <= 3e-9
}

// TestSplitPowerKeepsSNR checks the downlink mode: n transfers sharing
// power and band each get 1/n of the band at the whole band's SNR, so the
// rates sum to the single-user rate.
func TestSplitPowerKeepsSNR(t *testing.T) {
	l, rx := newTestLink()
	l.SplitPower = true
	alone := l.RateWith(1, rx) // 40 Mbit/s at SNR 15
	for _, n := range []int{2, 3, 10} {
		if got, want := l.RateWith(n, rx), alone/float64(n); !near(got, want, relTol) {
			t.Errorf("%d users: rate %v, want %v", n, got, want)
		}
	}
}

func TestSpectralEfficiencyCap(t *testing.T) {
	c := Channel{NoiseDBmPerHz: -174, MaxSpectralEff: 7.4063}
	strong := 1e6 * c.NoiseWatts(1e6) // SNR 60 dB: Shannon gives 19.93 bit/s/Hz
	if got, want := c.Rate(1e6, strong), 7.4063e6; !near(got, want, relTol) {
		t.Errorf("capped rate %v, want %v", got, want)
	}
	weak := 1e-20 * c.NoiseWatts(1e6) // far below 1+snr's float resolution
	if got := c.Rate(1e6, weak); !(got > 0) {
		t.Errorf("weak signal rate %v, want > 0 (log1p)", got)
	}
}

func TestNeverFinishingTransfer(t *testing.T) {
	l, rx := newTestLink()
	must(t, l.Start(0, 1, 1e300, rx))
	if _, at, ok := l.NextCompletion(); !ok || at != sim.Forever {
		t.Errorf("NextCompletion = %v, %v; want Forever", at, ok)
	}
}

// TestSetReceivedMidTransfer checks a rate change part-way: 10 Mbit at
// 40 Mbit/s for 0.1 s (4 Mbit sent), then the SNR drops from 15 to 3 over
// the whole band, so the last 6 Mbit go at 10 MHz · log2(4) = 20 Mbit/s and
// take 0.3 s: done at 0.4 s.
func TestSetReceivedMidTransfer(t *testing.T) {
	l, rx := newTestLink()
	must(t, l.Start(0, 1, 10e6, rx))
	if !l.SetReceived(secs(0.1), 1, rx/5) {
		t.Fatal("transfer not found")
	}
	if _, at, _ := l.NextCompletion(); !closeTime(at, 0.4) {
		t.Errorf("completion at %v, want 0.4 s", at)
	}
	if l.SetReceived(secs(0.2), 99, rx) {
		t.Error("unknown transfer reported found")
	}
}

// TestInterferenceAddsToNoise checks the SINR of a shared link: with
// interference I over the band, a transfer alone at SNR 15 sees
// SINR = 15·N/(N + I); with I = N that is 7.5, so 10 MHz · log2(8.5).
func TestInterferenceAddsToNoise(t *testing.T) {
	l, rx := newTestLink()
	n := l.Channel.NoiseWatts(10e6)
	must(t, l.Start(0, 1, 1e6, rx))
	if !l.SetInterference(0, n) {
		t.Fatal("interference not set")
	}
	if got, want := l.RateWith(1, rx), 10e6*math.Log2(8.5); !near(got, want, relTol) {
		t.Errorf("rate %v, want %v", got, want)
	}
	// Two users: each has half the band with half the noise and half the
	// interference, at its full power: SINR 15·N/(N/2 + N/2) = 15 over
	// 5 MHz, 5 MHz · log2(16) = 20 Mbit/s.
	if got, want := l.RateWith(2, rx), 20e6; !near(got, want, relTol) {
		t.Errorf("shared rate %v, want %v", got, want)
	}
}

// TestSchedulerShares checks a link under an RB scheduler: round robin on
// a static channel gives each of two users half the grid's rate at its own
// SINR, so the stronger user finishes its equal transfer first.
func TestSchedulerShares(t *testing.T) {
	l, rx := newTestLink()
	g := Grid{RBs: 50, RBHz: 200e3, TTI: sim.Millisecond}
	l.Scheduler = &RBShare{Grid: g, Policy: RoundRobin, Variation: StaticChannel}
	must(t, l.Start(0, 1, 1e6, rx))
	must(t, l.Start(0, 2, 1e6, rx/4))
	// Whole-band SINR 15 and 3.75: 10 MHz·log2(16)/2 = 20 Mbit/s and
	// 10 MHz·log2(4.75)/2 = 11.24 Mbit/s.
	id, at, _ := l.NextCompletion()
	if want := 1e6 / 20e6; id != 1 || !closeTime(at, want) {
		t.Errorf("first completion %d at %v, want 1 at %v s", id, at, want)
	}
	if got, want := l.RateWith(2, rx/4), 5e6*math.Log2(4.75); !near(got, want, 1e-9) {
		t.Errorf("estimate %v, want %v", got, want)
	}
}

// TestFlowInterference checks interference at one transfer's receiver
// alone: SNR 15 with the transfer's own interference equal to the noise
// gives SINR 7.5 for it, and leaves another transfer at SNR 15.
func TestFlowInterference(t *testing.T) {
	l, rx := newTestLink()
	n := l.Channel.NoiseWatts(10e6)
	must(t, l.Start(0, 1, 1e9, rx))
	must(t, l.Start(0, 2, 1e9, rx))
	if !l.SetFlowInterference(0, 1, n) {
		t.Fatal("not set")
	}
	// Each has 5 MHz with noise N/2; flow 1 also I/2 = N/2: SINR 15 and 30.
	r1, r2 := l.flows[0].rate, l.flows[1].rate
	if want := 5e6 * math.Log2(16); !near(r1, want, relTol) {
		t.Errorf("interfered rate %v, want %v", r1, want)
	}
	if want := 5e6 * math.Log2(31); !near(r2, want, relTol) {
		t.Errorf("clean rate %v, want %v", r2, want)
	}
}
