package d2d

import (
	"errors"
	"fmt"
	"math"
)

// HeadWeights weighs battery against compute capability in the choice of a
// cluster head. The zero value means DefaultHeadWeights.
type HeadWeights struct {
	Battery float64 // weight of the charge fraction, ≥ 0
	Compute float64 // weight of the capability relative to the cluster's best, ≥ 0
}

// DefaultHeadWeights returns equal weights: a full phone with the cluster's
// best processor scores 1, and a full battery counts as much as the best
// processor. The balance is assumed, not fitted.
func DefaultHeadWeights() HeadWeights { return HeadWeights{Battery: 0.5, Compute: 0.5} }

// Validate reports negative, infinite or NaN weights, as one error.
func (w HeadWeights) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"Battery", w.Battery}, {"Compute", w.Compute}} {
		if !(f.v >= 0) || math.IsInf(f.v, 1) {
			errs = append(errs, fmt.Errorf("d2d: head weight %s = %v, want a finite value ≥ 0", f.name, f.v))
		}
	}
	return errors.Join(errs...)
}

// HeadScore is the score of a phone with charge fraction battery and
// compute capability capability in a cluster whose most capable phone has
// maxCapability:
//
//	w.Battery·battery + w.Compute·capability/maxCapability
//
// Capability is relative to the cluster's best, so its unit (FLOP/s, or
// any measure where more is better) cancels and both terms lie in [0, 1].
// The compute term is 0 when maxCapability is 0. w is taken as given (the
// zero value is not replaced here).
func HeadScore(battery, capability, maxCapability float64, w HeadWeights) float64 {
	s := w.Battery * battery
	if maxCapability > 0 {
		s += w.Compute * capability / maxCapability
	}
	return s
}

// ChooseHead returns the index in members of the cluster head: the phone
// of the highest HeadScore (battery from State.Battery, capability from
// Capability), ties to the lower ID and then to the earlier member. It
// returns -1 for no members, and an error for invalid weights, a battery
// outside [0, 1] or a negative, infinite or NaN capability.
func ChooseHead(members []Phone, w HeadWeights) (int, error) {
	if w == (HeadWeights{}) {
		w = DefaultHeadWeights()
	}
	if err := w.Validate(); err != nil {
		return -1, err
	}
	maxCap := 0.0
	for _, m := range members {
		if !(m.State.Battery >= 0 && m.State.Battery <= 1) {
			return -1, fmt.Errorf("d2d: phone %d has battery fraction %v, want [0, 1]", m.ID, m.State.Battery)
		}
		if !(m.Capability >= 0) || math.IsInf(m.Capability, 1) {
			return -1, fmt.Errorf("d2d: phone %d has capability %v, want a finite value ≥ 0", m.ID, m.Capability)
		}
		maxCap = max(maxCap, m.Capability)
	}
	best, bestScore := -1, 0.0
	for i, m := range members {
		s := HeadScore(m.State.Battery, m.Capability, maxCap, w)
		if best < 0 || s > bestScore || (s == bestScore && m.ID < members[best].ID) {
			best, bestScore = i, s
		}
	}
	return best, nil
}

// Heads returns, for each cluster of c in order, the index of its head
// among phones, where phones[i] is the phone at point i of the clustering.
func Heads(c Clustering, phones []Phone, w HeadWeights) ([]int, error) {
	if len(phones) != len(c.Assign) {
		return nil, fmt.Errorf("d2d: %d phones for a clustering of %d points", len(phones), len(c.Assign))
	}
	heads := make([]int, len(c.Clusters))
	var members []Phone
	for j, cl := range c.Clusters {
		members = members[:0]
		for _, i := range cl.Members {
			members = append(members, phones[i])
		}
		h, err := ChooseHead(members, w)
		if err != nil {
			return nil, fmt.Errorf("%w (cluster %d)", err, cl.ID)
		}
		heads[j] = cl.Members[h]
	}
	return heads, nil
}
