package rl

// MultiEnv is an environment of many agents that act together: at each
// step every agent reads its own local observation and picks one of the
// same number of actions (the targets of its phone's tasks in a mecsim
// world), and every agent gets a reward vector of its own. The joint
// transition (all observations, all actions, every agent's reward, all
// next observations) is what a centralised critic learns from.
//
// Each step's rewards are written into a caller's slice, row-major
// Agents × Objectives; Objectives are the delay, energy and load-balance
// utilities (higher is better), which a preference weights into a scalar.
type MultiEnv interface {
	// Shape returns the number of agents, the length of each agent's
	// observation and the number of actions each has.
	Shape() (agents, obs, actions int)
	// Reset starts an episode whose randomness derives from seed alone.
	Reset(seed uint64)
	// Observe writes every agent's observation (agents × obs, row-major)
	// and action mask (agents × actions); an agent with nothing to decide
	// this step still observes, and its action is ignored.
	Observe(obs []float64, mask []bool) error
	// Step applies one action per agent and writes the rewards
	// (agents × MultiObjectives). terminated means the episode ended in a
	// terminal state; truncated, that it was cut off (a time limit).
	Step(actions []int, rewards []float64) (terminated, truncated bool, err error)
}

// MultiObjectives is the number of reward components of a MultiEnv: the
// delay utility, the device energy utility and the load-balance utility.
const MultiObjectives = 3

// Indices of a MultiEnv's reward components.
const (
	MultiDelay = iota
	MultiEnergy
	MultiBalance
)
