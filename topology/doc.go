// Package topology models where things are and how data moves between
// them: positions and mobility (static, random waypoint, Gauss–Markov,
// trace replay), association and handover (the 3GPP A3 rule), path loss
// (the macro model, 3GPP TR 38.901 UMi/UMa/InH, free space), shadowing and
// fading, SINR, modulation-and-coding tables, OFDMA resource-block
// schedulers, cell and wired-link presets, Shannon-rate wireless links
// whose bandwidth is shared among concurrent transfers, and wired WAN
// links with a latency and a bandwidth.
//
// Link types are deterministic state machines in simulated time: they say
// when the next transfer completes, and the caller (the world) schedules
// that event on the kernel. A link never touches the kernel itself.
package topology
