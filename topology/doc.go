// Package topology models where things are and how data moves between
// them: positions, the macro-cell path-loss model, Shannon-rate wireless
// links whose bandwidth is shared among concurrent transfers, and wired
// WAN links with a latency and a bandwidth.
//
// Link types are deterministic state machines in simulated time: they say
// when the next transfer completes, and the caller (the world) schedules
// that event on the kernel. A link never touches the kernel itself.
package topology
