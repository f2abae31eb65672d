// Package experiments turns an experiment file into runs: it decodes the
// TOML strictly into a typed Config (unknown keys, wrong types and
// out-of-range values are refused with file, line and key), fills
// defaults, builds the scenario from the device and model catalogues, runs
// every policy on it with common random numbers, and writes the results
// folder.
package experiments
