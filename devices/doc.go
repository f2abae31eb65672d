// Package devices models the processors that run inference — phone CPUs
// and NPUs, edge and cloud GPUs — as rooflines whose parameters are fitted
// to published measurements, and turns a model's demand into time and
// energy with pure functions.
//
// A processor spends max(ops / (peak·compute efficiency), bytes /
// (bandwidth·memory efficiency)) + a fixed overhead on one inference: the
// slower of computing and moving data, plus launch and dispatch costs that
// do not shrink with the work. The profiles are data: an embedded CSV file
// in which every row says where its numbers come from and which were
// fitted, derived or assumed.
package devices
