package d2d

import (
	"errors"
	"fmt"
	"math"
)

// State is what a phone knows of itself when a peer asks it to take a
// task.
type State struct {
	Battery     float64 // charge left, as a fraction of full (0 to 1)
	QueueLen    int     // tasks waiting or running on the phone
	QueueWork   float64 // estimated seconds of work already queued
	IsRequester bool    // the phone is the one asking: it cannot be its own peer
}

// Reason says why a peer accepted or refused a task. Its text is stable, for
// results files.
type Reason string

// The reasons of AcceptRule.Accept, in the order it checks them.
const (
	Accepted         Reason = "accepted"
	RefusedSelf      Reason = "self"         // the requester asked itself
	RefusedBattery   Reason = "battery"      // charge below MinBattery (or not a number)
	RefusedQueueLen  Reason = "queue-length" // QueueLen at or above MaxQueueLen
	RefusedQueueWork Reason = "queue-work"   // QueueWork at or above MaxQueueWork (or not a number)
)

// AcceptRule is a peer's rule for taking work from another phone: it keeps
// its battery for itself below a threshold and turns work away when busy.
// The zero value refuses only the requester itself and phones with no
// charge at all.
type AcceptRule struct {
	// MinBattery is the charge fraction below which the phone refuses. A
	// phone with no charge (Battery ≤ 0) always refuses.
	MinBattery float64
	// MaxQueueLen refuses when the phone already has this many tasks or
	// more; 0 means no limit, 1 means accept only when idle.
	MaxQueueLen int
	// MaxQueueWork refuses when the phone already has this many seconds of
	// work queued or more; 0 means no limit.
	MaxQueueWork float64
}

// DefaultAcceptRule returns the rule used when a scenario sets none. Its
// values are assumed, not measured: keep the last 20 % of charge (the level
// at which iOS first offers Low Power Mode) and take work only with fewer
// than two tasks in hand.
func DefaultAcceptRule() AcceptRule { return AcceptRule{MinBattery: 0.2, MaxQueueLen: 2} }

// Validate reports every setting out of range, as one error.
func (r AcceptRule) Validate() error {
	var errs []error
	if !(r.MinBattery >= 0 && r.MinBattery <= 1) {
		errs = append(errs, fmt.Errorf("d2d: MinBattery = %v, want a fraction in [0, 1]", r.MinBattery))
	}
	if r.MaxQueueLen < 0 {
		errs = append(errs, fmt.Errorf("d2d: MaxQueueLen = %d, want ≥ 0", r.MaxQueueLen))
	}
	if !(r.MaxQueueWork >= 0) || math.IsInf(r.MaxQueueWork, 1) {
		errs = append(errs, fmt.Errorf("d2d: MaxQueueWork = %v s, want a finite value ≥ 0", r.MaxQueueWork))
	}
	return errors.Join(errs...)
}

// Accept reports whether a phone in state peer takes a task offered by
// another, and why. It checks, in order: the requester itself, the battery
// (below MinBattery, at or below zero, or NaN refuses), the number of
// tasks in hand, and the queued work (NaN refuses). It is a pure function
// of its arguments.
func (r AcceptRule) Accept(peer State) (bool, Reason) {
	switch {
	case peer.IsRequester:
		return false, RefusedSelf
	case !(peer.Battery > 0 && peer.Battery >= r.MinBattery):
		return false, RefusedBattery
	case r.MaxQueueLen > 0 && peer.QueueLen >= r.MaxQueueLen:
		return false, RefusedQueueLen
	case math.IsNaN(peer.QueueWork) || (r.MaxQueueWork > 0 && peer.QueueWork >= r.MaxQueueWork):
		return false, RefusedQueueWork
	}
	return true, Accepted
}
