// Package devices is mecsim's cost model of computation: what running a
// model costs, in time and energy, on a given device, processor and
// inference engine.
//
// A Device is a phone SoC, an edge box or a server: processors (CPU, GPU,
// NPU) that share one memory bandwidth, a power envelope, a thermal mass
// and a battery. Each Processor is a roofline with a peak rate per data
// type. An Engine (qnn, llama.cpp, tflite, …) sets, per kind of
// processor, how much of those peaks it reaches and what it adds per
// image, per token and per prompt chunk: the same NPU runs 30× apart
// across engines. A Placement — a device, one of its processors (or a
// GPU+NPU pair) and an engine — is what a task runs on; its methods are
// pure functions from work to seconds and joules.
//
// All figures are data, embedded from data/*.toml with their sources, and
// can be replaced from a file.
//
// The model is held to published measurements: data/points.csv (with the
// dossier it comes from, data/points.md). Calibrate predicts each row of
// such a table and scores the predictions; Fit fits the engines' factors
// (and a device's own, where it has enough rows) to it with
// gonum/optimize, and data/fitted.toml ships the result;
// LeaveOneDeviceOut measures how well a device nobody measured is
// predicted.
package devices
