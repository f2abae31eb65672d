// Package refenv is the reference multi-edge offloading environment of
// GMORL, for reproducing its published results inside mecsim.
//
// # Source
//
// N. Yang, J. Wen, M. Zhang, M. Tang, "Generalizable Pareto-Optimal
// Offloading with Reinforcement Learning in Mobile Edge Computing", IEEE
// Transactions on Services Computing, 2025 (arXiv:2509.10474), which builds
// on its authors' earlier code mec_morl_multipolicy
// (github.com/gracefulning/mec_morl_multipolicy: env/MEC_env.py and the
// "multi-edge" entry of env/config1.json). The numbers, the order of
// operations and the observation below were read from that code; no code
// was copied. GMORL's own environment file was not available; a third-party
// copy said to derive from it gave the padding of the observation (see
// below).
//
// # Model
//
// One cloud (action 0) and E edge servers (actions 1..E) serve Users users;
// E is drawn per episode uniformly from MinEdges..MaxEdges (1..10) unless
// Config.Edges fixes it. There is no local execution. An episode is Slots
// (100) slots of SlotSeconds (1 s) with one decision per slot.
//
// Tasks arrive in a FIFO backlog, a Poisson(ArrivalsPerSlot = 1) number per
// slot, each from a user drawn uniformly. A task's size is exponential with
// mean θ = SlotSeconds·(f_cloud + Σ f_edge)/C, one slot of the system's
// total capacity (the E present edges only), clipped to
// [MinTaskMbit, MaxTaskMbit] = [0.1, 100] Mbit, with C = 1000 cycles/bit.
// The head of the backlog is the task to place; when the backlog is empty it
// is a dummy task of size 0, from a user drawn uniformly (the user matters
// to the observation's rate feature only), and any action on it is worth
// (0, 0) and places nothing. CPU speeds are drawn per episode, the cloud's
// uniformly in [3, 5] GHz and each edge's in [1.5, 2.5] GHz (equal bounds
// fix them, as the reference's fc = 4 GHz, fe = 2 GHz runs do).
//
// Each (server, user) pair has an uplink drawn per episode: a distance
// uniform in [1000, 2000] m to the cloud and [50, 500] m to each edge, path
// loss 133.6 + 35·log10(d/1 km) dB plus a fixed 8 dB shadowing loss, and a
// Rayleigh power gain |h|² ~ Exp(1), so g = 10^(−loss/10)·|h|². With
// B = 16.6 MHz and N0 = −174 dBm/Hz the noise is N = N0·B =
// 10^(−20.4) W/Hz × 16.6e6 Hz ≈ 6.61e-14 W, and P = 10 mW. Two rate models
// are offered:
//
//	ShannonRate:   R = B·log2(1 + P·g/N)
//	ReferenceRate: R = B·log2(1 + P·γ²/N), γ = g/N   (the preset)
//
// ReferenceRate is what the reference code computes: it normalises the gain
// by the noise power N = N0·B and then uses the normalised gain as if it
// were the gain, squared, in an SNR divided by N again (SNR = P·g²/N³). It
// is this variant that gives the published uplinks: with the preset, the
// median cloud uplink is about 0.42 Gbit/s (5–95 %: 0.29–0.52) and the
// median edge uplink about 0.71 Gbit/s (0.55–0.94), i.e. 0.3–0.9 Gbit/s.
// The textbook ShannonRate gives, with the same numbers, a median of
// 4 kbit/s to the cloud (5–95 %: 0.26–30 kbit/s) and 1.5 Mbit/s to the
// edges (0.06–52 Mbit/s), far too slow for tasks of tens of Mbit; it is
// there to study that gap, not to reproduce the paper.
//
// Uploads proceed in parallel, each at its fixed rate; a task joins its
// server's execution when its upload ends. Execution is egalitarian
// processor sharing: n tasks on a server of f Hz each progress at f/(n·C)
// bits/s. The simulation is event-driven and exact within a slot.
//
// Placing a task of S bits at rate R on a server of f Hz costs
//
//	energy = S/R·P + S·κ·C·f²   J, κ = 5e-31,
//
// and its utility vector is (r_delay, r_energy) = (−DelayScale·Δ,
// −EnergyScale·energy) = (−0.01·Δ, −50·energy), where Δ is the increase in
// the sum of the completion times of the tasks on the chosen server that the
// new task causes. A multi-objective agent scalarises it as
// w·r_delay + (1−w)·r_energy; the preference w is the agent's and is not
// part of the observation.
//
// Under ExactDelay (the preset) Δ is computed exactly under processor
// sharing, at the decision instant: the other tasks' remaining works as of
// now, the tasks still uploading to that server joining when their uploads
// end, and the new task joining after its own upload S/R, with its
// completion time counted from now (so its upload time is charged to it).
// ReferenceDelay reproduces the reference code's estimate instead, which
// ignores tasks still uploading, does not charge the new task its upload
// time, and, while walking the sharing phases until the new task arrives,
// takes the work done off only the task of the phase in which it arrives.
// Under the preset's uplinks an upload lasts tens of milliseconds, so a
// task is practically never still uploading at a decision (none in 300
// episodes of random actions) and the two differ little: by 0.04 s on
// average against a mean Δ of 26 s, and by 4.5 % at most.
//
// # Order of operations in a slot
//
// As in the reference code, Step(a): (1) computes the utilities of placing
// the head task on server a against the state at the start of the slot,
// and starts its upload; (2) draws the slot's arrivals into the backlog;
// (3) pops the next head task, unless the slot was the last; (4) advances
// every server by one slot. Reset draws the first slot's arrivals and pops
// the first head task, so the episode has exactly Slots decisions;
// truncated is true on the last, and terminated is never true.
//
// # Observation
//
// Observe writes Columns (11) columns of NumScalars + Bins (7 + 60 = 67)
// features, column k in obs[k·67:(k+1)·67]: column 0 the cloud, columns
// 1..E the edges, then padding. A present column holds, as in the
// reference code,
//
//	FeaturePresent    1
//	FeatureGHz        the server's CPU speed, GHz
//	FeatureEdges      E (the reference's edge_num; not an energy)
//	FeatureTaskMbit   the head task's size, Mbit (0 for the dummy task)
//	FeatureNotDone    1 − done: 1 during the episode, 0 once it is over
//	                  (a flag, not the episode's progress)
//	FeatureRate       the uplink rate of the head task's user to this
//	                  server, in units of 100 Mbit/s
//	FeatureExecuting  the number of tasks executing there (uploads excluded)
//
// followed by a histogram of the executing tasks by remaining bits: it
// counts tasks, not bits, in bins of BinMbit (1 Mbit), bin ⌊remaining/1
// Mbit⌋, the last bin open (59 Mbit and more). Padding columns hold
// PadValue (−1) in every feature, as in the GMORL-derived copy, and the
// mask (GMORL's mask2) is true for the cloud and the E present edges only.
// After the last slot the task features still describe the last task
// placed, as in the reference code.
//
// # Randomness
//
// Reset(seed) draws from sim.NewStreams(seed), one labelled stream per
// quantity: "refenv/edges" (E), "refenv/cpu" (the cloud's CPU speed, then
// every potential edge's), "refenv/channel" (distance then |h|² for every
// server and user), "refenv/arrivals" (the Poisson counts), "refenv/sizes"
// and "refenv/users". The backlog's evolution does not depend on the
// actions (one task leaves it per slot whatever the action), so every
// policy run from the same seed sees the same E, CPU speeds, channels and
// task stream: common random numbers. CPU speeds and channels are drawn for
// all Columns − 1 potential edges, so edge k's are the same whatever E is.
// The reference draws |h|² as (X² + Y²)/2 with X, Y standard normal, which
// is Exp(1); here it is drawn as Exp(1) directly.
//
// Not modelled: the reference's sinusoidal variation of the mean task size
// (its amplitude is 0 in every configuration) and its separate cloud and
// edge values of C, κ, P and B (equal in every configuration).
//
// # Use
//
// An Env is single-goroutine; run one per worker. Reset allocates nothing
// (it re-seeds its generators in place), and Step, Rewards and Observe
// allocate nothing once the buffers have grown to an episode's needs, so a benchmark of environment steps measures the model alone.
// Rewards(a) returns what Step(a) would, without changing the state, for
// greedy baselines.
package refenv
