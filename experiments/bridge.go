package experiments

import (
	"fmt"

	"github.com/mecsim/mecsim/refenv"
	"github.com/mecsim/mecsim/rl"
)

// ParseEnv decodes src like Parse, as an environment for an outside
// learner (the C ABI of package capi and the Python bridge over it):
// the keys that only "mecsim run" and "mecsim train" use may be left out.
// Without policies the file lists none; train.steps, unused, defaults to
// 1; and without a [train] table the file reads as if it had one with
// every key at its default except, in a mecsim world, train.reward =
// "estimate", the immediate reward an outside learner needs. The smallest
// file is the reference preset:
//
//	environment = "reference"
//	[reference]
func ParseEnv(name string, src []byte, known Known) (*Config, error) {
	return parse(name, src, known, true)
}

// LoadEnv reads the experiment file at path as ParseEnv does; paths in
// the file are relative to it, as with Load.
func LoadEnv(path string, known Known) (*Config, error) { return loadWith(path, known, ParseEnv) }

// envDefaults gives a file read by ParseEnv the [train] table it leaves
// out, before the defaults are filled.
func envDefaults(c *Config, defined map[string]bool) {
	if c.Train != nil {
		if !defined["train.steps"] {
			c.Train.Steps = 1
			defined["train.steps"] = true
		}
		return
	}
	c.Train = &Train{Steps: 1}
	defined["train.steps"] = true
	if c.Environment != EnvReference {
		c.Train.Reward = "estimate"
		defined["train.reward"] = true
	}
}

// NewEnvFunc returns a constructor of the single-agent environment of c,
// the one "mecsim train" trains in: the reference environment of
// [reference] under environment = "reference", else the mecsim world of
// the file seen decision by decision (an episode is train.episode of
// simulated time, a step one task's placement, observations encoded over
// train.columns targets). Every environment it returns gives its reward
// at the step (a world under train.reward = "outcome", whose rewards
// arrive when tasks end, is refused). A world environment runs the world
// in a goroutine of its own: release it with Close (it implements
// io.Closer) when done.
func (e Env) NewEnvFunc(c *Config) (func() (rl.Env, error), error) {
	if c.Environment == EnvReference {
		if c.Reference == nil {
			return nil, InputErrors{{Key: "reference", Msg: fmt.Sprintf("environment = %q needs a [reference] table", EnvReference)}}
		}
		rc, err := c.Reference.config()
		if err != nil {
			return nil, InputErrors{{Key: "reference", Msg: err.Error()}}
		}
		return func() (rl.Env, error) { return refenv.New(rc) }, nil
	}
	if c.Train == nil {
		return nil, InputErrors{{Key: "train", Msg: "a mecsim world as an environment needs its [train] table (read the file with ParseEnv or LoadEnv to default it)"}}
	}
	if c.Train.Reward != "estimate" {
		return nil, InputErrors{{Key: "train.reward", Msg: fmt.Sprintf("%q rewards a decision when its task ends, steps later; an outside learner needs the reward at the step: set train.reward = \"estimate\"", c.Train.Reward)}}
	}
	return e.trainingEnv(c)
}

// Close ends the world's run, if one is going on, and its goroutine.
func (w *worldEnv) Close() error {
	w.stop()
	return nil
}
