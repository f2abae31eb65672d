// Package results holds the records a mecsim run produces — one row per
// task, one summary per policy — and their tidy CSV and JSON forms, written
// atomically so that a killed run never leaves a folder that looks complete.
package results
