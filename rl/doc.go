// Package rl is mecsim's learning: networks whose gradients come from
// gorgonia (only graph.go knows it), Adam with its state in plain Go, a
// replay buffer of vector rewards, a preference-conditioned Discrete Soft
// Actor-Critic, a training loop, checkpoints that resume exactly, and
// evaluation of agents and baselines over preferences.
//
// Networks are per-server: a shared encoder reads every column of an
// observation (one column per action), a masked mean pools the columns
// present, and a trunk and head produce each column's outputs from its
// encoding and the pooled context. The same weights therefore serve a
// system of any number of servers, and permuting the servers permutes the
// outputs.
//
// Weights are drawn from mecsim's seeded streams (gorgonia's initialisers
// seed from the clock), so the same file and seed train the same weights.
package rl
