// Package workloads describes the work that mecsim simulates: a catalogue
// of inference models with what one inference costs in operations and bytes,
// the tasks that instances of those models become, and the arrival
// processes that generate the tasks.
//
// The catalogue is data, not code: it is parsed from an embedded CSV file
// in which every row carries its source, and a user may parse a file of
// their own with ParseCatalogue. Nothing here draws from a global random
// source: an arrival process is configuration, and the caller passes the
// generator, one named stream per phone and purpose, on every draw.
package workloads
