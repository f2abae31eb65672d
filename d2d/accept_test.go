package d2d_test

import (
	"math"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/d2d"
)

func TestAccept(t *testing.T) {
	rule := d2d.AcceptRule{MinBattery: 0.2, MaxQueueLen: 3, MaxQueueWork: 5}
	for _, c := range []struct {
		name   string
		rule   d2d.AcceptRule
		state  d2d.State
		ok     bool
		reason d2d.Reason
	}{
		{"idle and full", rule, d2d.State{Battery: 1}, true, d2d.Accepted},
		{"battery at the threshold", rule, d2d.State{Battery: 0.2}, true, d2d.Accepted},
		{"battery just below", rule, d2d.State{Battery: 0.1999}, false, d2d.RefusedBattery},
		{"battery NaN", rule, d2d.State{Battery: math.NaN()}, false, d2d.RefusedBattery},
		{"two tasks in hand", rule, d2d.State{Battery: 0.5, QueueLen: 2}, true, d2d.Accepted},
		{"three tasks in hand", rule, d2d.State{Battery: 0.5, QueueLen: 3}, false, d2d.RefusedQueueLen},
		{"work just under", rule, d2d.State{Battery: 0.5, QueueWork: 4.999}, true, d2d.Accepted},
		{"work at the limit", rule, d2d.State{Battery: 0.5, QueueWork: 5}, false, d2d.RefusedQueueWork},
		{"work NaN", rule, d2d.State{Battery: 0.5, QueueWork: math.NaN()}, false, d2d.RefusedQueueWork},
		{"the requester itself", rule, d2d.State{Battery: 1, IsRequester: true}, false, d2d.RefusedSelf},
		// Checks run in order: self, battery, tasks, work.
		{"self and flat", rule, d2d.State{IsRequester: true}, false, d2d.RefusedSelf},
		{"flat and busy", rule, d2d.State{Battery: 0.1, QueueLen: 9, QueueWork: 9}, false, d2d.RefusedBattery},
		{"busy both ways", rule, d2d.State{Battery: 0.9, QueueLen: 9, QueueWork: 9}, false, d2d.RefusedQueueLen},
		// The zero rule: no limits but self and an empty battery.
		{"zero rule, low", d2d.AcceptRule{}, d2d.State{Battery: 0.01, QueueLen: 100, QueueWork: 1e6}, true, d2d.Accepted},
		{"zero rule, empty", d2d.AcceptRule{}, d2d.State{Battery: 0}, false, d2d.RefusedBattery},
		{"idle only, idle", d2d.AcceptRule{MaxQueueLen: 1}, d2d.State{Battery: 1}, true, d2d.Accepted},
		{"idle only, busy", d2d.AcceptRule{MaxQueueLen: 1}, d2d.State{Battery: 1, QueueLen: 1}, false, d2d.RefusedQueueLen},
		{"default, 20 %", d2d.DefaultAcceptRule(), d2d.State{Battery: 0.2, QueueLen: 1}, true, d2d.Accepted},
		{"default, 2 tasks", d2d.DefaultAcceptRule(), d2d.State{Battery: 0.9, QueueLen: 2}, false, d2d.RefusedQueueLen},
	} {
		ok, reason := c.rule.Accept(c.state)
		if ok != c.ok || reason != c.reason {
			t.Errorf("%s: Accept(%+v) = %v, %q; want %v, %q", c.name, c.state, ok, reason, c.ok, c.reason)
		}
	}
}

func TestAcceptRuleValidate(t *testing.T) {
	if err := d2d.DefaultAcceptRule().Validate(); err != nil {
		t.Error(err)
	}
	if err := (d2d.AcceptRule{}).Validate(); err != nil {
		t.Error(err)
	}
	err := d2d.AcceptRule{MinBattery: 1.5, MaxQueueLen: -1, MaxQueueWork: math.NaN()}.Validate()
	for _, field := range []string{"MinBattery", "MaxQueueLen", "MaxQueueWork"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate: %v, want it to name %s", err, field)
		}
	}
}
