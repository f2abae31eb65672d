package experiments

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Figure is the [figure] table of an experiment file of the figure suite
// (experiments/figures): which figure "mecsim figures" draws from the
// file, the values its points take, and the smaller version that
// "mecsim figures --quick" runs. "mecsim run" and "mecsim train" ignore it.
type Figure struct {
	// Kind is the figure drawn; required, one of FigureKinds:
	//   "placement"   mean latency and phone energy of each workload run
	//                 alone on each of processors, and offloaded to the
	//                 edge and to the cloud;
	//   "pareto"      every policy's Pareto front (pareto = true);
	//   "edges"       each policy's hypervolume against the number of
	//                 edge sites, one Pareto evaluation per entry of edges;
	//   "d2d"         mean latency and energy of the policies against the
	//                 density of phones, one run per entry of phones;
	//   "llm"         the CDFs of time to first token and per output token;
	//   "scalability" the wall time of a run of each policy against the
	//                 number of phones, one run per entry of phones;
	//   "learning"    the learning curve of the file's [train] agent.
	Kind string `toml:"kind"`
	// Processors are, for "placement", the phone processors (devices
	// presets) each workload runs on locally; the edge and cloud runs use
	// phones.processor.
	Processors []string `toml:"processors,omitempty"`
	// Phones are, for "d2d" and "scalability", the values of phones.count
	// of the figure's points.
	Phones []int `toml:"phones,omitempty"`
	// Edges are, for "edges", the numbers of edge sites of the figure's
	// points: the point n keeps the file's first n [[edge]] tables.
	Edges []int `toml:"edges,omitempty"`
	// Quick is what --quick changes.
	Quick *Quick `toml:"quick,omitempty"`
}

// Quick is the [figure.quick] table: each key present replaces the key of
// the file it names when "mecsim figures --quick" runs the figure, so
// that the whole suite builds in seconds.
type Quick struct {
	Duration   time.Duration `toml:"duration,omitzero"`    // replaces duration
	PhoneCount int           `toml:"phone_count,omitzero"` // replaces phones.count
	Policies   []string      `toml:"policies,omitempty"`   // replaces policies
	Processors []string      `toml:"processors,omitempty"` // replaces figure.processors
	Phones     []int         `toml:"phones,omitempty"`     // replaces figure.phones
	Edges      []int         `toml:"edges,omitempty"`      // replaces figure.edges
	// Steps replaces train.steps; train.checkpoint_every is then capped
	// at steps and train.sac.warmup at steps / 2, so that the agent
	// still checkpoints and learns.
	Steps        int `toml:"steps,omitzero"`
	EvalEpisodes int `toml:"eval_episodes,omitzero"` // replaces train.eval_episodes
}

// The kinds of figure (figure.kind).
const (
	FigurePlacement   = "placement"
	FigurePareto      = "pareto"
	FigureEdges       = "edges"
	FigureD2D         = "d2d"
	FigureLLM         = "llm"
	FigureScalability = "scalability"
	FigureLearning    = "learning"
)

// FigureKinds lists the kinds of figure, in the suite's order.
func FigureKinds() []string {
	return []string{FigurePlacement, FigurePareto, FigureEdges, FigureD2D, FigureLLM, FigureScalability, FigureLearning}
}

// validateFigure checks the [figure] table, if any, against the rest of
// the file.
func (c *Config) validateFigure(v *validator, known Known) {
	f := c.Figure
	if f == nil {
		return
	}
	if !slices.Contains(FigureKinds(), f.Kind) {
		v.add("figure.kind", "unknown figure %q; %s", f.Kind, knownList("figures", FigureKinds()))
		return
	}
	c.validateFigurePoints(v, known, "figure.", f.Processors, f.Phones, f.Edges, true)
	if q := f.Quick; q != nil {
		if q.Duration < 0 {
			v.add("figure.quick.duration", "must be > 0, got %v", q.Duration)
		}
		if q.PhoneCount < 0 || q.PhoneCount > maxPhones {
			v.add("figure.quick.phone_count", "must be between 1 and %d, got %d", maxPhones, q.PhoneCount)
		}
		if q.Steps < 0 {
			v.add("figure.quick.steps", "must be at least 1, got %d", q.Steps)
		}
		if q.EvalEpisodes < 0 {
			v.add("figure.quick.eval_episodes", "must be at least 1, got %d", q.EvalEpisodes)
		}
		if (q.Steps > 0 || q.EvalEpisodes > 0) && c.Train == nil {
			v.add("figure.quick", "steps and eval_episodes replace [train] keys: the file has no [train] table")
		}
		knownPolicies := c.policyNames(known)
		for i, p := range q.Policies {
			if !slices.Contains(c.Policies, p) {
				v.known(fmt.Sprintf("figure.quick.policies[%d]", i), "policy", "policies", p, knownPolicies)
			}
		}
		c.validateFigurePoints(v, known, "figure.quick.", q.Processors, q.Phones, q.Edges, false)
	}
}

// validateFigurePoints checks the lists of a [figure] or [figure.quick]
// table; required says whether the figure's kind needs its list there.
func (c *Config) validateFigurePoints(v *validator, known Known, prefix string, procs []string, phones, edges []int, required bool) {
	f := c.Figure
	for _, l := range []struct {
		key   string
		n     int
		kinds []string
	}{
		{"processors", len(procs), []string{FigurePlacement}},
		{"phones", len(phones), []string{FigureD2D, FigureScalability}},
		{"edges", len(edges), []string{FigureEdges}},
	} {
		reads := slices.Contains(l.kinds, f.Kind)
		switch {
		case reads && required && l.n == 0:
			v.add(prefix+l.key, "a %q figure needs at least one value", f.Kind)
		case !reads && l.n > 0:
			quoted := make([]string, len(l.kinds))
			for i, k := range l.kinds {
				quoted[i] = strconv.Quote(k)
			}
			v.add(prefix+l.key, "only a %s figure reads it; this one is %q", strings.Join(quoted, " or "), f.Kind)
		}
	}
	for i, p := range procs {
		v.known(fmt.Sprintf("%sprocessors[%d]", prefix, i), "processor", "processors", p, known.Processors)
	}
	for i, n := range phones {
		if n < 1 || n > maxPhones {
			v.add(fmt.Sprintf("%sphones[%d]", prefix, i), "must be between 1 and %d, got %d", maxPhones, n)
		}
	}
	for i, n := range edges {
		if n < 1 || n > len(c.Edges) {
			v.add(fmt.Sprintf("%sedges[%d]", prefix, i), "must be between 1 and the file's %d [[edge]] tables, got %d", len(c.Edges), n)
		}
	}
	if !required {
		return
	}
	switch f.Kind {
	case FigurePareto, FigureEdges:
		if !c.Pareto {
			v.add("pareto", "a %q figure draws Pareto fronts: set pareto = true", f.Kind)
		}
	case FigureLearning:
		if c.Train == nil || c.Environment != EnvReference || c.Train.Algorithm != AlgorithmSAC {
			v.add("figure.kind", "a %q figure trains the Discrete SAC agent of the reference environment: it needs environment = %q and a [train] table", f.Kind, EnvReference)
		}
	}
	if f.Kind != FigureLearning && c.Environment == EnvReference {
		v.add("figure.kind", "a %q figure runs a mecsim world, not the reference environment", f.Kind)
	}
}

// QuickFigure returns a copy of c with its [figure.quick] keys in place of
// those they replace, validated against known. Without a [figure.quick]
// table it returns c's copy unchanged.
func (c *Config) QuickFigure(known Known) (*Config, error) {
	cp := *c
	cp.Policies = slices.Clone(c.Policies)
	cp.Edges = slices.Clone(c.Edges)
	cp.Workloads = slices.Clone(c.Workloads)
	if c.Figure == nil || c.Figure.Quick == nil {
		return &cp, nil
	}
	f := *c.Figure
	cp.Figure = &f
	q := f.Quick
	if q.Duration > 0 {
		cp.Duration = q.Duration
	}
	if q.PhoneCount > 0 {
		cp.Phones.Count = q.PhoneCount
	}
	if len(q.Policies) > 0 {
		cp.Policies = slices.Clone(q.Policies)
	}
	if len(q.Processors) > 0 {
		f.Processors = q.Processors
	}
	if len(q.Phones) > 0 {
		f.Phones = q.Phones
	}
	if len(q.Edges) > 0 {
		f.Edges = q.Edges
	}
	if cp.Train != nil && (q.Steps > 0 || q.EvalEpisodes > 0) {
		t := *cp.Train
		cp.Train = &t
		if q.Steps > 0 {
			t.Steps = q.Steps
			t.CheckpointEvery = min(t.CheckpointEvery, q.Steps)
			t.SAC.Warmup = min(t.SAC.Warmup, q.Steps/2)
		}
		if q.EvalEpisodes > 0 {
			t.EvalEpisodes = q.EvalEpisodes
		}
	}
	if err := cp.Validate(known); err != nil {
		return nil, fmt.Errorf("%s with [figure.quick]: %w", c.Name, err)
	}
	return &cp, nil
}
