package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/mecsim/mecsim/refenv"
	"github.com/mecsim/mecsim/rl"
)

// Environments an experiment may run in.
const (
	EnvMecsim    = "mecsim"
	EnvReference = "reference"
)

// agentPrefix starts a policy name that is a trained agent's checkpoint:
// "sac:runs/x/checkpoint".
const agentPrefix = "sac:"

// marlPrefix starts a policy name that is a checkpoint of MADDPG agents,
// which act together at the boundaries of a slotted world.
const marlPrefix = "maddpg:"

// Reference configures the GMORL reference environment (package refenv);
// keys left out keep the reference preset's values.
type Reference struct {
	Edges    int       `toml:"edges"`     // E, fixed; 0 draws E per episode from min_edges..max_edges; default 0
	MinEdges int       `toml:"min_edges"` // default 1
	MaxEdges int       `toml:"max_edges"` // default 10
	CloudGHz []float64 `toml:"cloud_ghz"` // [lo, hi]: the cloud's CPU speed, drawn per episode; [f, f] fixes it; default [3, 5]
	EdgeGHz  []float64 `toml:"edge_ghz"`  // [lo, hi] likewise for each edge server; default [1.5, 2.5]
	Rate     string    `toml:"rate"`      // "reference" (the reference code's rate, the default) or "shannon" (textbook)
	Delay    string    `toml:"delay"`     // "exact" (the default) or "reference" (the reference code's estimate)
	Users    int       `toml:"users"`     // default 10
	Slots    int       `toml:"slots"`     // decisions per episode; default 100
	Arrivals float64   `toml:"arrivals"`  // mean Poisson arrivals per slot; default 1
	Columns  int       `toml:"columns"`   // observation columns (the cloud, the edges, padding); default 11
	// RewardFeatures appends to each column the utilities placing the
	// task there would earn now (refenv.Config.RewardFeatures): not in
	// the reference observation; default false.
	RewardFeatures bool `toml:"reward_features"`
	// EvalEdges are the numbers of edge servers evaluated on, each as a
	// system with that fixed E; default: edges when fixed, else every E
	// from min_edges to max_edges.
	EvalEdges []int `toml:"eval_edges"`
}

// Train configures "mecsim train".
type Train struct {
	Steps int `toml:"steps"` // environment steps (decisions); required
	// CheckpointEvery is the number of steps between checkpoints, each
	// taken at the end of the episode that passes the mark; default
	// steps/10.
	CheckpointEvery int `toml:"checkpoint_every"`
	// Episode is, in a mecsim world, the simulated time of one training
	// episode; default: duration.
	Episode time.Duration `toml:"episode"`
	// Columns is, in a mecsim world, the most targets the agent sees
	// (local processors first, then edges, cloud, peers); default 8.
	Columns int `toml:"columns"`
	// Reward is, in a mecsim world, what a decision is rewarded with:
	// "outcome" (the default), the task's latency and phone energy as
	// realised when it ends (a refused task's latency is its time until
	// refusal plus its deadline), "estimate", the chosen target's
	// estimated latency and energy as the world states them at the
	// decision (in a multi-agent run, with the servers' queues as they
	// are, even when stale_state shows the phones older reports), or,
	// for multi-agent runs, "marginal", the estimate plus the waits the
	// decision adds to the other phones' later decisions of its slot at
	// the same site (experiments.MultiOptions.Marginal), or
	// "difference", the estimate plus the waiting the phone's tasks
	// imposed on the tasks queued behind them, as measured
	// (experiments.MultiOptions.Difference).
	Reward string `toml:"reward"`
	// TeamReward gives, in a multi-agent run, every phone the mean of the
	// phones' delay and energy rewards (experiments.MultiOptions.Team).
	TeamReward bool `toml:"team_reward"`
	// LatencyScale and EnergyScale turn a decision's latency (s) and phone
	// energy (J) into its reward utilities −latency/latency_scale and
	// −energy/energy_scale; default 0.1 each.
	LatencyScale float64 `toml:"latency_scale"`
	EnergyScale  float64 `toml:"energy_scale"`

	// Select says which weights are evaluated and kept as the agent:
	// "last" (the default), those at the end of training; or "validation",
	// in the reference environment, the checkpoint (every
	// checkpoint_every steps, and the last) whose greedy policy has the
	// largest mean normalised hypervolume over reference.eval_edges on
	// validation episodes, which are drawn apart from the training and
	// evaluation episodes. Each system's box is fixed by the file's other
	// methods on the same validation episodes, so scores of different
	// checkpoints compare. With algorithm = "maddpg" a checkpoint's score
	// is instead validation_score's, each variant by its own weights, and
	// the choice is among the checkpoints of every restart. The chosen
	// agent is written to best (of its restart's folder).
	Select string `toml:"select"`
	// ValidationEpisodes is the number of validation episodes per
	// preference and system under select = "validation"; default 5.
	ValidationEpisodes int `toml:"validation_episodes"`
	// ValidationScore is, with algorithm = "maddpg", what a checkpoint is
	// scored by: "return" (the default), the agents' scalarised return on
	// validation episodes like training's; or "outcome", what evaluation
	// measures: on validation episodes of validation_episode whose jobs
	// all run to their end, −(w_delay × mean job latency / latency_scale +
	// w_energy × mean phone energy per job / energy_scale), with the
	// variant's weights (load balance, a term of the reward, is reported
	// but not scored: an idle edge is perfectly balanced).
	ValidationScore string `toml:"validation_score"`
	// ValidationEpisode is the simulated time over which jobs arrive in
	// an "outcome" validation episode; default: episode.
	ValidationEpisode time.Duration `toml:"validation_episode"`
	// Restarts trains, with algorithm = "maddpg" and select =
	// "validation", each variant this many times from different seeds
	// (networks, exploration, training layouts), the first as with
	// restarts = 1 in the variant's folder, restart k in its folder
	// restart-k; the checkpoint of best validation score over all of them
	// is the variant's agent. Default 1.
	Restarts int `toml:"restarts"`

	EvalEpisodes int       `toml:"eval_episodes"` // episodes per method and preference; default 20
	Preferences  []float64 `toml:"preferences"`   // preferences evaluated; default 0, 0.1, …, 1

	SAC rl.SACConfig `toml:"sac"` // the agent; every key defaults as in rl.DefaultSAC

	// Algorithm is "sac" (the default: one preference-conditioned
	// Discrete SAC agent deciding each task) or "maddpg" (every phone an
	// agent of multi-agent DDPG, acting together at the boundaries of a
	// slotted world: decision_interval must be set).
	Algorithm string `toml:"algorithm"`
	// MADDPG configures the agents under algorithm = "maddpg"; every key
	// defaults as in rl.DefaultMADDPG.
	MADDPG rl.MADDPGConfig `toml:"maddpg"`
	// Ablations, under algorithm = "maddpg", are variants trained and
	// evaluated beside the configured agents, each in a folder of its own:
	// "no-lstm", "no-comm", "independent" (each agent's critic reads only
	// its own observation and action: independent DDPG learners) and
	// "fifo" (ready subtasks in arrival order instead of by rank).
	Ablations []string `toml:"ablations"`
	// WeightSweep, under algorithm = "maddpg", lists further reward
	// weights (delay, energy, load balance), each trained as a variant of
	// its own: with train.maddpg.weights they trace the agents' Pareto
	// front of latency and energy, drawn against the baselines' points.
	WeightSweep [][]float64 `toml:"weight_sweep"`
}

// Training algorithms (train.algorithm).
const (
	AlgorithmSAC    = "sac"
	AlgorithmMADDPG = "maddpg"
)

// MADDPGAblations lists the variants train.ablations may name.
func MADDPGAblations() []string { return []string{"no-lstm", "no-comm", "independent", "fifo"} }

// The ways of choosing a training run's agent (train.select).
const (
	SelectLast       = "last"
	SelectValidation = "validation"
)

// The scores of multi-agent validation (train.validation_score).
const (
	ValidationReturn  = "return"
	ValidationOutcome = "outcome"
)

// ReferenceMethods lists the evaluation methods of the reference
// environment besides "sac": "greedy-w" (the immediate scalarised reward,
// computed exactly), and fixed rules that ignore the preference: "cloud"
// (always action 0), "random", "round-robin" over the allowed actions,
// "least-loaded" (fewest tasks executing), "best-rate" (fastest uplink for
// the task's user) and "fastest-cpu".
func ReferenceMethods() []string {
	return []string{"greedy-w", "cloud", "random", "round-robin", "least-loaded", "best-rate", "fastest-cpu"}
}

func (c *Config) policyNames(known Known) []string {
	var names []string
	if c.Environment == EnvReference {
		names = ReferenceMethods()
	} else {
		names = slices.Clone(known.Policies)
	}
	if c.Train != nil {
		names = append(names, "sac")
	}
	return names
}

// fillLearning fills the learning keys' defaults.
func (c *Config) fillLearning(unset func(key string, zero bool) bool) {
	if unset("environment", c.Environment == "") {
		c.Environment = EnvMecsim
	}
	if c.Reference != nil {
		r, d := c.Reference, refenv.Reference()
		if unset("reference.min_edges", r.MinEdges == 0) {
			r.MinEdges = d.MinEdges
		}
		if unset("reference.max_edges", r.MaxEdges == 0) {
			r.MaxEdges = d.MaxEdges
		}
		if unset("reference.cloud_ghz", r.CloudGHz == nil) {
			r.CloudGHz = d.CloudGHz[:]
		}
		if unset("reference.edge_ghz", r.EdgeGHz == nil) {
			r.EdgeGHz = d.EdgeGHz[:]
		}
		if unset("reference.rate", r.Rate == "") {
			r.Rate = d.Rate.String()
		}
		if unset("reference.delay", r.Delay == "") {
			r.Delay = d.Delay.String()
		}
		if unset("reference.users", r.Users == 0) {
			r.Users = d.Users
		}
		if unset("reference.slots", r.Slots == 0) {
			r.Slots = d.Slots
		}
		if unset("reference.arrivals", r.Arrivals == 0) {
			r.Arrivals = d.ArrivalsPerSlot
		}
		if unset("reference.columns", r.Columns == 0) {
			r.Columns = d.Columns
		}
		if unset("reference.eval_edges", r.EvalEdges == nil) {
			if r.Edges > 0 {
				r.EvalEdges = []int{r.Edges}
			} else {
				for e := r.MinEdges; e <= r.MaxEdges; e++ {
					r.EvalEdges = append(r.EvalEdges, e)
				}
			}
		}
	}
	if t := c.Train; t != nil {
		if unset("train.checkpoint_every", t.CheckpointEvery == 0) {
			t.CheckpointEvery = max(1, t.Steps/10)
		}
		if unset("train.episode", t.Episode == 0) {
			t.Episode = c.Duration
			if t.Episode == 0 {
				t.Episode = defaultDuration
			}
		}
		if unset("train.columns", t.Columns == 0) {
			t.Columns = 8
		}
		if unset("train.reward", t.Reward == "") {
			t.Reward = "outcome"
		}
		if unset("train.latency_scale", t.LatencyScale == 0) {
			t.LatencyScale = 0.1
		}
		if unset("train.energy_scale", t.EnergyScale == 0) {
			t.EnergyScale = 0.1
		}
		if unset("train.select", t.Select == "") {
			t.Select = SelectLast
		}
		if unset("train.validation_episodes", t.ValidationEpisodes == 0) {
			t.ValidationEpisodes = 5
		}
		if unset("train.validation_score", t.ValidationScore == "") {
			t.ValidationScore = ValidationReturn
		}
		if unset("train.validation_episode", t.ValidationEpisode == 0) {
			t.ValidationEpisode = t.Episode
		}
		if unset("train.restarts", t.Restarts == 0) {
			t.Restarts = 1
		}
		if unset("train.eval_episodes", t.EvalEpisodes == 0) {
			t.EvalEpisodes = 20
		}
		if unset("train.preferences", t.Preferences == nil) {
			t.Preferences = rl.Preferences(11)
		}
		if unset("train.algorithm", t.Algorithm == "") {
			t.Algorithm = AlgorithmSAC
		}
		// Each SAC or MADDPG key left out takes the package default.
		fillStruct(unset, "train.sac.", reflect.ValueOf(&t.SAC).Elem(), reflect.ValueOf(rl.DefaultSAC()))
		fillStruct(unset, "train.maddpg.", reflect.ValueOf(&t.MADDPG).Elem(), reflect.ValueOf(rl.DefaultMADDPG()))
	}
}

// fillStruct sets each field of cur that the file leaves out to def's.
func fillStruct(unset func(key string, zero bool) bool, prefix string, cur, def reflect.Value) {
	for i := range cur.NumField() {
		tag := cur.Type().Field(i).Tag.Get("toml")
		if tag != "" && unset(prefix+tag, cur.Field(i).IsZero()) {
			cur.Field(i).Set(def.Field(i))
		}
	}
}

// validateLearning checks the environment, [reference] and [train].
func (c *Config) validateLearning(v *validator) {
	switch c.Environment {
	case EnvMecsim:
		if c.Reference != nil {
			v.add("reference", "a [reference] table needs environment = %q", EnvReference)
		}
	case EnvReference:
		if c.Reference == nil {
			v.add("reference", "environment = %q needs a [reference] table (it may be empty: the preset)", EnvReference)
		} else if _, err := c.Reference.config(); err != nil {
			v.add("reference", "%v", err)
		}
		if c.Reference != nil {
			for i, e := range c.Reference.EvalEdges {
				if e < 1 || e > c.Reference.Columns-1 {
					v.add(fmt.Sprintf("reference.eval_edges[%d]", i), "must be between 1 and columns − 1 = %d, got %d", c.Reference.Columns-1, e)
				}
			}
		}
		if c.Train == nil {
			v.add("train", "the reference environment is trained and evaluated by \"mecsim train\": add a [train] table")
		}
		if c.Sweep != nil || c.Pareto {
			v.add("environment", "sweep and pareto apply to mecsim worlds; the reference environment is always evaluated over train.preferences")
		}
	default:
		v.add("environment", "must be %q or %q, got %q", EnvMecsim, EnvReference, c.Environment)
	}
	t := c.Train
	if t == nil {
		return
	}
	if t.Steps < 1 {
		v.add("train.steps", "must be at least 1, got %d", t.Steps)
	}
	if t.CheckpointEvery < 1 {
		v.add("train.checkpoint_every", "must be at least 1, got %d", t.CheckpointEvery)
	}
	if t.Episode <= 0 {
		v.add("train.episode", "must be > 0, got %v", t.Episode)
	}
	if t.Columns < 2 || t.Columns > 64 {
		v.add("train.columns", "must be between 2 and 64, got %d", t.Columns)
	}
	switch {
	case (t.Reward == "marginal" || t.Reward == "difference") && t.Algorithm != AlgorithmMADDPG:
		v.add("train.reward", "%q charges a phone for the waits its decisions cause: it is a reward of algorithm = %q", t.Reward, AlgorithmMADDPG)
	case t.Reward != "outcome" && t.Reward != "estimate" && t.Reward != "marginal" && t.Reward != "difference":
		v.add("train.reward", "must be \"outcome\", \"estimate\", \"marginal\" or \"difference\", got %q", t.Reward)
	}
	v.positive("train.latency_scale", t.LatencyScale)
	v.positive("train.energy_scale", t.EnergyScale)
	switch t.Select {
	case SelectLast:
	case SelectValidation:
		if c.Environment != EnvReference && t.Algorithm != AlgorithmMADDPG {
			v.add("train.select", "%q is built for the reference environment; in a mecsim world use %q", SelectValidation, SelectLast)
		}
	default:
		v.add("train.select", "must be %q or %q, got %q", SelectLast, SelectValidation, t.Select)
	}
	if t.ValidationEpisodes < 1 || t.ValidationEpisodes > 100_000 {
		v.add("train.validation_episodes", "must be between 1 and 100000, got %d", t.ValidationEpisodes)
	}
	switch t.ValidationScore {
	case ValidationReturn:
	case ValidationOutcome:
		if t.Algorithm != AlgorithmMADDPG {
			v.add("train.validation_score", "%q scores multi-agent checkpoints (algorithm = %q)", ValidationOutcome, AlgorithmMADDPG)
		}
	default:
		v.add("train.validation_score", "must be %q or %q, got %q", ValidationReturn, ValidationOutcome, t.ValidationScore)
	}
	if t.ValidationEpisode <= 0 {
		v.add("train.validation_episode", "must be > 0, got %v", t.ValidationEpisode)
	}
	switch {
	case t.Restarts < 1 || t.Restarts > 100:
		v.add("train.restarts", "must be between 1 and 100, got %d", t.Restarts)
	case t.Restarts > 1 && (t.Algorithm != AlgorithmMADDPG || t.Select != SelectValidation):
		v.add("train.restarts", "restarts are chosen among by validation: they need algorithm = %q and select = %q", AlgorithmMADDPG, SelectValidation)
	}
	if t.EvalEpisodes < 1 || t.EvalEpisodes > 100_000 {
		v.add("train.eval_episodes", "must be between 1 and 100000, got %d", t.EvalEpisodes)
	}
	if len(t.Preferences) == 0 {
		v.add("train.preferences", "list at least one preference in [0, 1]")
	}
	for i, w := range t.Preferences {
		if !(w >= 0 && w <= 1) {
			v.add(fmt.Sprintf("train.preferences[%d]", i), "must be in [0, 1], got %v", w)
		}
	}
	switch t.Algorithm {
	case AlgorithmSAC:
		if err := t.SAC.Validate(); err != nil {
			for _, e := range unjoin(err) {
				v.add("train.sac", "%v", e)
			}
		}
		if len(t.Ablations) > 0 || len(t.WeightSweep) > 0 {
			v.add("train.algorithm", "ablations and weight_sweep are of algorithm = %q", AlgorithmMADDPG)
		}
		if t.TeamReward {
			v.add("train.team_reward", "shares rewards among the agents of algorithm = %q; a single agent has no team", AlgorithmMADDPG)
		}
	case AlgorithmMADDPG:
		if c.Environment != EnvMecsim {
			v.add("train.algorithm", "%q trains the phones of a mecsim world", AlgorithmMADDPG)
		}
		if err := t.MADDPG.Validate(); err != nil {
			for _, e := range unjoin(err) {
				v.add("train.maddpg", "%v", e)
			}
		}
		for i, ws := range t.WeightSweep {
			m := t.MADDPG
			m.Weights = ws
			if err := m.Validate(); err != nil {
				for _, e := range unjoin(err) {
					if strings.HasPrefix(e.Error(), "weights") {
						v.add(fmt.Sprintf("train.weight_sweep[%d]", i), "%v", e)
					}
				}
			}
		}
		for i, a := range t.Ablations {
			if !slices.Contains(MADDPGAblations(), a) {
				v.add(fmt.Sprintf("train.ablations[%d]", i), "unknown ablation %q; known: %s", a, strings.Join(MADDPGAblations(), ", "))
			}
		}
	default:
		v.add("train.algorithm", "must be %q or %q, got %q", AlgorithmSAC, AlgorithmMADDPG, t.Algorithm)
	}
}

// unjoin splits an errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// config returns the refenv configuration the table describes.
func (r *Reference) config() (refenv.Config, error) {
	c := refenv.Reference()
	c.Edges, c.MinEdges, c.MaxEdges = r.Edges, r.MinEdges, r.MaxEdges
	pair := func(key string, xs []float64, dst *[2]float64) error {
		if len(xs) != 2 {
			return fmt.Errorf("%s: give [lo, hi] (equal to fix the value), got %d values", key, len(xs))
		}
		*dst = [2]float64{xs[0], xs[1]}
		return nil
	}
	if err := pair("cloud_ghz", r.CloudGHz, &c.CloudGHz); err != nil {
		return c, err
	}
	if err := pair("edge_ghz", r.EdgeGHz, &c.EdgeGHz); err != nil {
		return c, err
	}
	switch r.Rate {
	case "reference":
		c.Rate = refenv.ReferenceRate
	case "shannon":
		c.Rate = refenv.ShannonRate
	default:
		return c, fmt.Errorf("rate: must be \"reference\" or \"shannon\", got %q", r.Rate)
	}
	switch r.Delay {
	case "exact":
		c.Delay = refenv.ExactDelay
	case "reference":
		c.Delay = refenv.ReferenceDelay
	default:
		return c, fmt.Errorf("delay: must be \"exact\" or \"reference\", got %q", r.Delay)
	}
	c.Users, c.Slots, c.ArrivalsPerSlot, c.Columns = r.Users, r.Slots, r.Arrivals, r.Columns
	c.RewardFeatures = r.RewardFeatures
	return c, c.Validate()
}

// referenceMethod returns the evaluation method named name on the
// reference environment ("sac" is added by the caller).
func referenceMethod(name string) (rl.Method, error) {
	fixed := func(pick func(obs []float64, mask []bool, feats int, state *int) int) rl.Method {
		return rl.Method{Name: name, New: func(*rand.Rand) (rl.Chooser, error) {
			state := 0
			return func(env rl.Env, obs []float64, mask []bool, _ float64) (int, error) {
				_, f := env.Shape()
				return pick(obs, mask, f, &state), nil
			}, nil
		}}
	}
	// argmax of a column feature over the allowed actions (ties: lowest).
	byFeature := func(feature int, sign float64) func([]float64, []bool, int, *int) int {
		return func(obs []float64, mask []bool, f int, _ *int) int {
			best, bestV := 0, math.Inf(-1)
			for a, ok := range mask {
				if ok {
					if v := sign * obs[a*f+feature]; v > bestV {
						best, bestV = a, v
					}
				}
			}
			return best
		}
	}
	switch name {
	case "greedy-w":
		return rl.GreedyW(), nil
	case "random":
		return rl.RandomMethod(), nil
	case "cloud":
		return fixed(func([]float64, []bool, int, *int) int { return 0 }), nil
	case "round-robin":
		return fixed(func(_ []float64, mask []bool, _ int, next *int) int {
			for range mask {
				a := *next % len(mask)
				*next = a + 1
				if mask[a] {
					return a
				}
			}
			return 0
		}), nil
	case "least-loaded":
		return fixed(byFeature(refenv.FeatureExecuting, -1)), nil
	case "best-rate":
		return fixed(byFeature(refenv.FeatureRate, 1)), nil
	case "fastest-cpu":
		return fixed(byFeature(refenv.FeatureGHz, 1)), nil
	}
	return rl.Method{}, fmt.Errorf("unknown reference method %q", name)
}
