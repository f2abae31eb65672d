package d2d

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/mecsim/mecsim/topology"
)

// Phone is what d2d needs to know of one phone.
type Phone struct {
	ID  int // the world's stable id of the phone
	Pos topology.Point
	// State is the phone's battery and load, for Accept and ChooseHead.
	State State
	// Capability is the phone's compute capability in any unit where more
	// is better (peak FLOP/s, say), for ChooseHead.
	Capability float64
	// ComputeTime is the estimated seconds this phone would take to run the
	// task being placed, for Candidates; the world fills it from the cost
	// model.
	ComputeTime float64
}

// Request is the data a task moves over a D2D link.
type Request struct {
	InputBytes  float64 // sent by the requester to the peer
	OutputBytes float64 // returned by the peer to the requester
}

// Candidate is one peer a requester could hand its task to, with what that
// would cost.
type Candidate struct {
	ID       int     // the peer's phone id
	Distance float64 // m between requester and peer
	InRange  bool    // the link reaches the peer
	Rate     float64 // bit/s each way; 0 out of range
	// SendTime and ReturnTime are the seconds to move the input to the peer
	// and the output back; +Inf out of range.
	SendTime, ReturnTime float64
	Wait                 float64 // the peer's queued work, s (State.QueueWork)
	ComputeTime          float64 // the peer's estimate for the task, s
	// RequesterEnergy is the joules the requester's battery pays to send
	// the input and receive the output; PeerRadioEnergy the joules the
	// peer's battery pays to receive and send them (its compute energy is
	// the cost model's). Both 0 out of range.
	RequesterEnergy, PeerRadioEnergy float64
	Accept                           bool   // the peer's AcceptRule takes the task
	Reason                           Reason // why it accepts or refuses
}

// Usable reports whether the task can go to this peer: in range and
// accepted.
func (c Candidate) Usable() bool { return c.InRange && c.Accept }

// Latency returns the estimated seconds from sending to the result back
// with no competition on the link: SendTime + Wait + ComputeTime +
// ReturnTime; +Inf out of range.
func (c Candidate) Latency() float64 { return c.SendTime + c.Wait + c.ComputeTime + c.ReturnTime }

// Candidates lists the peers of requester among members (usually its
// cluster; the requester itself is left out if present, matched by ID) in
// ascending order of ID, each with its distance, the link's rate, the
// transfer times and radio energies of req, and whether the peer's rule
// accepts. Out-of-range and refusing peers are listed too, so a policy
// sees the same targets whatever their state; Usable picks the ones a task
// can go to. The peer's State.IsRequester is ignored (a listed peer is not
// the requester).
//
// It is an error for the link or rule to be invalid, for req's byte counts
// to be negative or not finite, for a member's ComputeTime to be negative
// or NaN, or for two members to share an ID.
func Candidates(link Link, rule AcceptRule, requester Phone, members []Phone, req Request) ([]Candidate, error) {
	if err := link.Validate(); err != nil {
		return nil, err
	}
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	for _, b := range []float64{req.InputBytes, req.OutputBytes} {
		if !(b >= 0) || math.IsInf(b, 1) {
			return nil, fmt.Errorf("d2d: request of %v input and %v output bytes, want finite counts ≥ 0", req.InputBytes, req.OutputBytes)
		}
	}
	peers := make([]Phone, 0, len(members))
	for _, m := range members {
		if m.ID == requester.ID {
			continue
		}
		if !(m.ComputeTime >= 0) {
			return nil, fmt.Errorf("d2d: phone %d has compute time %v s, want ≥ 0", m.ID, m.ComputeTime)
		}
		peers = append(peers, m)
	}
	slices.SortStableFunc(peers, func(a, b Phone) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]Candidate, len(peers))
	for i, p := range peers {
		if i > 0 && p.ID == peers[i-1].ID {
			return nil, fmt.Errorf("d2d: two members with phone id %d", p.ID)
		}
		d := requester.Pos.Dist(p.Pos)
		c := Candidate{ID: p.ID, Distance: d, InRange: link.InRange(d), Rate: link.Rate(d),
			Wait: p.State.QueueWork, ComputeTime: p.ComputeTime}
		st := p.State
		st.IsRequester = false
		c.Accept, c.Reason = rule.Accept(st)
		if c.InRange && c.Rate > 0 {
			up, down := 8*req.InputBytes/c.Rate, 8*req.OutputBytes/c.Rate
			c.SendTime, c.ReturnTime = up, down
			c.RequesterEnergy = link.TxElectricalW*up + link.RxElectricalW*down
			c.PeerRadioEnergy = link.RxElectricalW*up + link.TxElectricalW*down
		} else {
			c.InRange = false
			c.SendTime, c.ReturnTime = math.Inf(1), math.Inf(1)
		}
		out[i] = c
	}
	return out, nil
}

// Fastest returns the index of the usable candidate of least Latency, ties
// to the lower ID (the earlier in a Candidates list), or -1 if none is
// usable: the pick of a d2d-greedy baseline.
func Fastest(cands []Candidate) int {
	best := -1
	for i, c := range cands {
		if !c.Usable() {
			continue
		}
		if best < 0 || c.Latency() < cands[best].Latency() ||
			(c.Latency() == cands[best].Latency() && c.ID < cands[best].ID) {
			best = i
		}
	}
	return best
}
