package workloads

import "github.com/mecsim/mecsim/sim"

// Task is one inference request: an instance of a catalogue model that
// arose on a device at a time and should be answered by a deadline.
type Task struct {
	ID       int64    // unique within a run, and equal across the policies of a comparison
	Device   int      // index of the phone on which the task arose
	Model    Model    // what to run
	Arrival  sim.Time // when the task arose
	Deadline sim.Time // absolute time by which the result should be back on the device
}

// Missed reports whether a result that is back at finish misses the
// deadline. Finishing exactly at the deadline meets it.
func (t Task) Missed(finish sim.Time) bool { return finish > t.Deadline }
