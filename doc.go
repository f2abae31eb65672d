// Package mecsim is the root of mecsim, a discrete-event simulator for
// mobile edge computing offloading of AI inference. The simulator lives in
// its sub-packages; this package holds only the tests that keep their
// dependency graph as the design draws it.
//
//	sim          the event kernel, random streams, statistics
//	workloads    vision models, LLMs, quantisations, kernels, arrival processes
//	devices      devices, processors, engines: the calibrated cost model
//	topology     positions, mobility, handover, radio channels, shared and wired links
//	d2d          D2D clusters, links, peer acceptance
//	policies     the Policy interface, baselines, the registry
//	results      task records, summaries, CSV/JSON, atomic folders
//	refenv       the GMORL reference environment
//	mec          the running world that joins them (event-driven or slotted)
//	rl           networks, Discrete SAC, MADDPG, training, checkpoints
//	experiments  strict experiment files, building, running, training, sweeping worlds
//	experiments/figures  the paper-figure suite
//	plots        figures from results
//	cmd/mecsim   the command line
//	capi         the C ABI (a c-shared library) under the Python package in python/
package mecsim
