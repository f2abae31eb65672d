// Package mec is the running world of a mecsim scenario: phones generate
// tasks, a policy decides where each runs, data crosses wireless and wired
// links, work queues and computes at the phone, an edge server or the
// cloud, results come back, and the phone's energy is charged.
//
// A World runs one policy over one scenario on its own kernel. Arrivals,
// positions and every other random quantity come from streams named by
// entity and purpose, so every policy in a comparison sees the same tasks
// at the same times (common random numbers).
//
// By default each task is decided as it arises. With
// Scenario.DecisionInterval set, decisions are made in slots (see
// NextSlot): tasks wait at their phones for the next boundary, where a
// policy, or a controller stepping the world without goroutines, decides
// them, and every slot is accounted per phone.
package mec
