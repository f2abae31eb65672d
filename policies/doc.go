// Package policies defines how an offloading policy plugs into mecsim — the
// Policy interface, the plain-data Observation it decides from and the
// Decision it returns — together with the built-in baselines and the
// registry that names them.
//
// Observations are plain data built by the world at each decision point:
// a policy holds no pointers into the simulation, so a heuristic is a pure
// function that can be tested from a hand-written observation.
package policies
