// Package sim is mecsim's discrete-event kernel: an integer simulated clock,
// a typed event calendar with cancellation, named reproducible random
// streams and the statistics collectors a simulation study needs.
//
// The kernel knows nothing of phones or networks. It runs on one goroutine:
// the caller owns the loop, and the same inputs always give the same
// sequence of events. Parallelism belongs across independent replications,
// each with its own Kernel and its own Streams.
package sim
