package topology

import (
	"fmt"
	"math"

	"github.com/mecsim/mecsim/sim"
)

// SharedLink is one direction of a cell: its bandwidth is split equally
// among the transfers under way, and each transfer gets the Shannon rate of
// its share at its own received power. Noise is counted over each share,
// so with n uplink users at equal power each sees n times the SNR over
// 1/n of the band: frequency-division uplink, in which the cell's total
// rate grows with the number of users at low SNR. A downlink, where one
// transmitter splits its power too, sets SplitPower. The link is processor-sharing: when
// a transfer starts or ends the others' rates change, and NextCompletion
// moves accordingly. The caller keeps one kernel event at NextCompletion
// and reschedules it after every Start and Complete.
//
// The zero value is not usable; set Bandwidth and Channel.
type SharedLink struct {
	Bandwidth float64 // Hz shared by all transfers
	Channel   Channel
	// SplitPower divides the transmitter's power among the transfers as
	// well as the band (a base station sending to n phones at once), so
	// each transfer's SNR stays that of the whole band.
	SplitPower bool

	flows []flow // in start order, so ties resolve the same way every run
	last  sim.Time

	// interference is the power, in watts over the whole band, received
	// from transmitters in other cells on the same frequencies.
	interference float64

	// Scheduler, if set, divides the band by an OFDMA resource-block
	// scheduler instead of equal shares: each transfer's rate is its
	// long-run rate under the scheduler (round robin or proportional fair)
	// given every active transfer's SINR over the whole band.
	Scheduler *RBShare
	sinrBuf   []float64
	rateBuf   []float64
}

// RBShare is how a SharedLink's resource blocks are shared.
type RBShare struct {
	Grid      Grid
	Policy    Scheduling
	Variation ChannelVariation
}

type flow struct {
	id        int64
	remaining float64 // bits
	rxW       float64
	intf      float64 // interference at this transfer's receiver alone, W over the band
	rate      float64 // bit/s at the current share
}

// Active returns the number of transfers under way.
func (l *SharedLink) Active() int { return len(l.flows) }

// RateWith returns the rate in bit/s that a transfer received at rxW gets
// when users transfers share the link.
func (l *SharedLink) RateWith(users int, rxW float64) float64 {
	return l.rate(users, rxW, l.interference)
}

// rate is RateWith with intf watts of interference over the band.
func (l *SharedLink) rate(users int, rxW, intf float64) float64 {
	if users < 1 {
		users = 1
	}
	if l.Scheduler != nil {
		// The transmitter's whole power over the whole band, a share of
		// the time and of the RBs.
		return l.Scheduler.Grid.ShareRate(l.Scheduler.Policy, l.Scheduler.Variation, l.wholeBandSINR(rxW, intf), users)
	}
	if l.SplitPower {
		rxW /= float64(users)
	}
	hz := l.Bandwidth / float64(users)
	if intf == 0 {
		return l.Channel.Rate(hz, rxW)
	}
	// Interferers spread over the band: a share of hz sees hz/Bandwidth
	// of their power, which adds to the noise like a higher density.
	sinr := rxW / (l.Channel.NoiseWatts(hz) + intf*hz/l.Bandwidth)
	r := ShannonRate(hz, sinr)
	if c := l.Channel.MaxSpectralEff; c > 0 {
		r = min(r, c*hz)
	}
	return r
}

// Start begins a transfer of bits at received power rxW. The ID must not be
// in use on this link.
func (l *SharedLink) Start(now sim.Time, id int64, bits, rxW float64) error {
	if bits < 0 || math.IsNaN(bits) {
		return fmt.Errorf("topology: transfer %d of %v bits", id, bits)
	}
	if rxW <= 0 {
		return fmt.Errorf("topology: transfer %d with received power %v W", id, rxW)
	}
	l.advance(now)
	l.flows = append(l.flows, flow{id: id, remaining: bits, rxW: rxW})
	l.rerate()
	return nil
}

// SetReceived changes the received power of transfer id from now on, as
// when its phone moves or the fading is redrawn. It reports whether the
// transfer is on the link.
func (l *SharedLink) SetReceived(now sim.Time, id int64, rxW float64) bool {
	if !(rxW > 0) {
		return false
	}
	l.advance(now)
	for i := range l.flows {
		if l.flows[i].id == id {
			l.flows[i].rxW = rxW
			l.rerate()
			return true
		}
	}
	return false
}

// SetInterference sets, from now on, the power in watts (over the whole
// band) that the link's receiver picks up from transmitters in other
// cells, and reports whether it changed.
func (l *SharedLink) SetInterference(now sim.Time, w float64) bool {
	if !(w >= 0) || w == l.interference {
		return false
	}
	l.advance(now)
	l.interference = w
	l.rerate()
	return true
}

// SetFlowInterference sets, from now on, the interference in watts (over
// the whole band) at the receiver of transfer id alone — on a downlink,
// what the phone hears from other cells' base stations — and reports
// whether it changed.
func (l *SharedLink) SetFlowInterference(now sim.Time, id int64, w float64) bool {
	if !(w >= 0) {
		return false
	}
	for i := range l.flows {
		if l.flows[i].id == id {
			if l.flows[i].intf == w {
				return false
			}
			l.advance(now)
			l.flows[i].intf = w
			l.rerate()
			return true
		}
	}
	return false
}

// Interference returns the interfering power set by SetInterference.
func (l *SharedLink) Interference() float64 { return l.interference }

// Flow returns the ID of the i-th transfer under way, in start order,
// for 0 ≤ i < Active(): a way to visit them that allocates nothing.
func (l *SharedLink) Flow(i int) int64 { return l.flows[i].id }

// Each calls f for every transfer under way, in start order.
func (l *SharedLink) Each(f func(id int64)) {
	for i := range l.flows {
		f(l.flows[i].id)
	}
}

// NextCompletion returns the transfer that will finish first if nothing
// changes, and when. Times are rounded up to the next nanosecond, so the
// transfer is complete when the event fires. A transfer that would never
// finish (a rate of zero, or beyond the range of sim.Time) gives
// sim.Forever: the caller must treat that as a failure of the scenario.
func (l *SharedLink) NextCompletion() (id int64, at sim.Time, ok bool) {
	best := -1
	var bestDT float64
	for i := range l.flows {
		f := &l.flows[i]
		dt := f.remaining / f.rate
		if best < 0 || dt < bestDT {
			best, bestDT = i, dt
		}
	}
	if best < 0 {
		return 0, 0, false
	}
	ns := math.Ceil(bestDT * 1e9)
	if ns >= float64(sim.Forever-l.last) {
		return l.flows[best].id, sim.Forever, true
	}
	return l.flows[best].id, l.last + sim.Time(ns), true
}

// Complete ends transfer id at now and returns false if it is not on the
// link. It is meant to be called when the event at NextCompletion fires;
// any bits left by rounding are forgiven.
func (l *SharedLink) Complete(now sim.Time, id int64) bool {
	l.advance(now)
	for i := range l.flows {
		if l.flows[i].id == id {
			copy(l.flows[i:], l.flows[i+1:])
			l.flows = l.flows[:len(l.flows)-1]
			l.rerate()
			return true
		}
	}
	return false
}

// advance moves every transfer forward to now at its current rate.
func (l *SharedLink) advance(now sim.Time) {
	if now < l.last {
		panic(fmt.Sprintf("topology: link advanced to %v, before %v", now, l.last))
	}
	dt := (now - l.last).Seconds()
	l.last = now
	if dt == 0 {
		return
	}
	for i := range l.flows {
		f := &l.flows[i]
		f.remaining = max(0, f.remaining-f.rate*dt)
	}
}

func (l *SharedLink) wholeBandSINR(rxW, intf float64) float64 {
	return rxW / (l.Channel.NoiseWatts(l.Bandwidth) + intf)
}

func (l *SharedLink) rerate() {
	if s := l.Scheduler; s != nil {
		l.sinrBuf = l.sinrBuf[:0]
		for i := range l.flows {
			l.sinrBuf = append(l.sinrBuf, l.wholeBandSINR(l.flows[i].rxW, l.interference+l.flows[i].intf))
		}
		l.rateBuf = s.Grid.FlatLongRunRates(l.rateBuf[:0], s.Policy, s.Variation, l.sinrBuf)
		for i := range l.flows {
			l.flows[i].rate = l.rateBuf[i]
		}
		return
	}
	n := len(l.flows)
	for i := range l.flows {
		f := &l.flows[i]
		f.rate = l.rate(n, f.rxW, l.interference+f.intf)
	}
}

// WANLink is a wired path with a one-way latency and a per-transfer
// bandwidth, as between a cell site and the cloud. Transfers do not
// contend: a data-centre WAN is provisioned well above one cell's traffic.
type WANLink struct {
	Latency   float64 // one-way, seconds
	Bandwidth float64 // bit/s
}

// TransferTime returns the seconds to deliver bits: latency plus
// serialisation.
func (w WANLink) TransferTime(bits float64) float64 {
	return w.Latency + bits/w.Bandwidth
}
