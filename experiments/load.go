package experiments

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/topology"
)

// Known lists the names an experiment file may refer to. The caller takes
// them from the catalogues and the policy registry; a name not listed is
// refused with a message that lists the known ones. A nil list knows no
// names at all.
type Known struct {
	Models     []string // vision models, for [[workload]] model
	LLMs       []string // LLMs, for [[workload]] model with kind = "llm"
	Quants     []string // quantisations, for [[workload]] quant
	D2DLinks   []string // D2D link presets, for d2d.link
	Processors []string // device profiles, for the phones', edges' and cloud's processor
	Policies   []string // registered policies, for policies
}

// Limits of the range checks in Validate.
const (
	maxPhones = 1_000_000
	minDBm    = -50.0 // 10 nW
	maxDBm    = 60.0  // 1 kW
	minNoise  = -220.0
	maxNoise  = -100.0

	maxNoiseFigure = 30.0 // dB; real receivers have 2–10 dB
	minSide        = 1.0  // m
	maxSide        = 1e6  // m: a 1000 km square

	// maxExpectedTasks bounds phones × rate × duration, so that a run
	// ends and its results fit in memory.
	maxExpectedTasks = 1e8
	maxTokens        = 1 << 20
)

// Load reads an experiment file and returns it decoded, with defaults
// filled and validated; see Parse. A file that cannot be read (missing, a
// directory, no permission) is bad input too: the error is an InputErrors
// like any other, and errors.Is(err, fs.ErrNotExist) tells a missing file.
func Load(path string, known Known) (*Config, error) { return loadWith(path, known, Parse) }

// loadWith reads the file at path and decodes it with parse, making its
// paths relative to the file.
func loadWith(path string, known Known, parse func(string, []byte, Known) (*Config, error)) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, InputErrors{{File: path, Msg: "cannot read the file: " + msg, Err: err}}
	}
	c, err := parse(path, src, known)
	if c != nil {
		c.relativeTo(path)
	}
	return c, err
}

// relativeTo makes the paths in c, relative to the file at path, relative
// to where mecsim runs, as the resolved config records them.
func (c *Config) relativeTo(path string) {
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	rel(&c.Phones.Trace)
	for i := range c.Workloads {
		rel(&c.Workloads[i].Trace)
		rel(&c.Workloads[i].Alibaba)
	}
}

// Parse decodes the experiment file src strictly, fills the defaults of
// the keys it leaves out and validates the result. name is the file's
// name: it appears in messages, and its base name without extension is the
// experiment's name unless the file sets one.
//
// Every problem is reported, not only the first, as an InputErrors whose
// entries name the file, the line and the key: a syntax error; an unknown
// key (keys are case-sensitive); a value of the wrong type (a duration must
// be a string with a unit, such as "90s": a bare number is refused rather
// than read as nanoseconds); a required key that is missing; and every
// violation Validate finds. A key present in the file keeps its value even
// when that value is zero, so "rate = 0" is refused rather than defaulted.
// A syntax error stops at the first; type errors stop before validation.
func Parse(name string, src []byte, known Known) (*Config, error) {
	return parse(name, src, known, false)
}

// parse is Parse; with envOnly, the file is read as a learning
// environment only (ParseEnv).
func parse(name string, src []byte, known Known, envOnly bool) (*Config, error) {
	text := string(src)

	// A generic decode first: it reports syntax errors, and gives the raw
	// values to check against the schema before any of them is converted.
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		return nil, InputErrors{syntaxError(name, err)}
	}
	d := &decoder{
		file:    name,
		lines:   locate(text),
		defined: map[string]bool{},
		missing: map[string]bool{},
		envOnly: envOnly,
	}
	d.table(raw, configType, "", "top-level keys")
	if d.badType {
		return nil, d.sorted()
	}

	var c Config
	md, err := toml.Decode(text, &c)
	if err != nil {
		// Not reached while the checks above are at least as strict as the
		// decoder; kept so that a disagreement is still bad input.
		d.errs = append(d.errs, d.decodeError(err))
		return nil, d.sorted()
	}
	d.undecoded(md.Undecoded())
	if envOnly {
		envDefaults(&c, d.defined)
	}
	d.required(&c, known)

	c.fill(name, func(key string, _ bool) bool { return !d.defined[key] })
	if err := c.Validate(known); err != nil {
		var es InputErrors
		errors.As(err, &es)
		for _, e := range es {
			if envOnly && e.Key == "policies" && !d.defined["policies"] {
				continue // an environment runs no policy of the file's
			}
			if !d.missing[e.Key] {
				d.add(e.Key, "%s", e.Msg)
			}
		}
	}
	if len(d.errs) > 0 {
		return nil, d.sorted()
	}
	return &c, nil
}

// WriteTOML writes c as an experiment file that Parse reads back to an
// equal Config: every key, with the defaults as filled in, durations as
// strings ("1m0s"), floats in the shortest form that round-trips, tables
// in the order of config.go. The output depends only on c.
func (c *Config) WriteTOML(w io.Writer) error {
	enc := toml.NewEncoder(w)
	enc.Indent = ""
	return enc.Encode(c)
}

// Validate checks every value's range and every name against known, and
// returns all the violations as an InputErrors (without file or line: Parse
// adds those), or nil. It expects defaults to be filled already.
func (c *Config) Validate(known Known) error {
	v := &validator{}

	switch {
	case c.Name == "":
		v.add("name", "must not be empty")
	case c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, "/\\\x00"):
		v.add("name", "must be usable as a folder name (no slashes, not %q), got %q", "..", c.Name)
	}
	if c.Seed > math.MaxInt64 {
		v.add("seed", "must be at most %d, the largest TOML integer, got %d", int64(math.MaxInt64), c.Seed)
	}
	if c.Duration <= 0 {
		v.add("duration", "must be > 0, got %v", c.Duration)
	}
	if c.StaleState < 0 {
		v.add("stale_state", "must not be negative, got %v", c.StaleState)
	}
	switch {
	case c.DecisionInterval < 0:
		v.add("decision_interval", "must not be negative (0 decides each task as it arises), got %v", c.DecisionInterval)
	case c.DecisionInterval > 0 && c.Duration > 0 && c.DecisionInterval > c.Duration:
		v.add("decision_interval", "must not exceed duration (%v), got %v", c.Duration, c.DecisionInterval)
	}
	if c.Priority != "" {
		if _, err := mec.ParsePriority(c.Priority); err != nil {
			v.add("priority", "%v", err)
		} else if c.DecisionInterval == 0 {
			v.add("priority", "orders the tasks waiting at a slot boundary: set decision_interval too (or leave priority out)")
		}
	}
	knownPolicies := c.policyNames(known)
	if len(c.Policies) == 0 {
		v.add("policies", "list at least one policy; %s", knownList("policies", knownPolicies))
	}
	seen := map[string]int{}
	for i, p := range c.Policies {
		key := fmt.Sprintf("policies[%d]", i)
		if j, dup := seen[p]; dup {
			v.add(key, "policy %q is listed twice (also policies[%d])", p, j)
			continue
		}
		seen[p] = i
		if path, ok := strings.CutPrefix(p, agentPrefix); ok && c.Environment != EnvReference {
			if path == "" {
				v.add(key, "%q needs the path of a checkpoint after the colon, such as \"sac:runs/x/checkpoint\"", p)
			}
			continue
		}
		if path, ok := strings.CutPrefix(p, marlPrefix); ok && c.Environment != EnvReference {
			switch {
			case path == "":
				v.add(key, "%q needs the path of a checkpoint after the colon, such as \"maddpg:runs/x/checkpoint\"", p)
			case c.DecisionInterval <= 0:
				v.add(key, "MADDPG agents act together at slot boundaries: set decision_interval")
			}
			continue
		}
		if p == "sac" && c.Train == nil {
			v.add(key, "the policy \"sac\" is the agent this file trains: add a [train] table, or name a trained one as \"sac:runs/x/checkpoint\"")
			continue
		}
		v.known(key, "policy", "policies", p, knownPolicies)
	}
	c.validateLearning(v)
	c.validateFigure(v, known)
	if c.Environment == EnvReference {
		if len(v.errs) == 0 {
			return nil
		}
		return v.errs
	}

	v.between("area.width_m", c.Area.Width, minSide, maxSide)
	v.between("area.height_m", c.Area.Height, minSide, maxSide)

	p := c.Phones
	if p.Count < 1 || p.Count > maxPhones {
		v.add("phones.count", "must be between 1 and %d, got %d", maxPhones, p.Count)
	}
	v.known("phones.processor", "processor", "processors", p.Processor, known.Processors)
	for i, x := range p.ExtraProcessors {
		v.known(fmt.Sprintf("phones.extra_processors[%d]", i), "processor", "processors", x, known.Processors)
	}
	v.between("phones.tx_power_dbm", p.TxPowerDBm, minDBm, maxDBm)
	v.nonNegative("phones.tx_power_w", p.TxPowerW)
	v.nonNegative("phones.rx_power_w", p.RxPowerW)
	v.nonNegative("phones.idle_power_w", p.IdlePowerW)
	switch p.Mobility {
	case "static":
	case "random-waypoint":
		if !(p.MinSpeed > 0) || !(p.MaxSpeed >= p.MinSpeed) || p.MaxSpeed > 1000 {
			v.add("phones.min_speed_mps", "random waypoint needs 0 < min_speed_mps <= max_speed_mps <= 1000, got %g and %g", p.MinSpeed, p.MaxSpeed)
		}
		if p.Pause < 0 {
			v.add("phones.pause", "must not be negative, got %v", p.Pause)
		}
	case "gauss-markov":
		v.between("phones.alpha", p.Alpha, 0, 1)
		v.between("phones.mean_speed_mps", p.MeanSpeed, 0, 1000)
		v.between("phones.speed_std_mps", p.SpeedStdDev, 0, 1000)
		if p.Step <= 0 {
			v.add("phones.step", "must be > 0, got %v", p.Step)
		}
	case "trace":
		if p.Trace == "" {
			v.add("phones.trace", "mobility = \"trace\" needs a trace file")
		}
	default:
		v.add("phones.mobility", "must be \"static\", \"random-waypoint\", \"gauss-markov\" or \"trace\", got %q", p.Mobility)
	}

	r := c.Radio
	v.positive("radio.uplink_bandwidth_hz", r.UplinkHz)
	v.positive("radio.downlink_bandwidth_hz", r.DownlinkHz)
	v.between("radio.noise_dbm_per_hz", r.NoiseDBmPerHz, minNoise, maxNoise)
	if r.Cell != "" {
		if cat, err := topology.DefaultCatalogue(); err != nil {
			v.add("radio.cell", "%v", err)
		} else if _, err := cat.Cell(r.Cell); err != nil {
			v.add("radio.cell", "%v", err)
		}
	}
	v.between("radio.noise_figure_db", r.NoiseFigureDB, 0, maxNoiseFigure)
	v.between("radio.handover_hysteresis_db", r.HandoverHysteresis, 0, 30)
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"radio.time_to_trigger", r.TimeToTrigger}, {"radio.handover_interruption", r.Interruption}, {"radio.backhaul_latency", r.BackhaulLatency}} {
		if d.v < 0 {
			v.add(d.key, "must not be negative, got %v", d.v)
		}
	}
	v.positive("radio.backhaul_bandwidth_bps", r.BackhaulBandwidth)
	if _, err := topology.NewPathLoss(r.PathLoss, r.CarrierGHz, r.BSHeightM, r.UEHeightM); err != nil {
		v.add("radio.path_loss", "%v", err)
	}
	switch r.Fading {
	case "none", "rayleigh":
	case "rician":
		v.between("radio.rician_k", r.RicianK, 0, 1e4)
	default:
		v.add("radio.fading", "must be \"none\", \"rayleigh\" or \"rician\", got %q", r.Fading)
	}
	if r.Scheduler != "equal" {
		if _, err := topology.ParseScheduling(r.Scheduler); err != nil {
			v.add("radio.scheduler", "%v (or \"equal\")", err)
		}
		if !(r.RBHz >= 1e3) || r.RBHz > min(r.UplinkHz, r.DownlinkHz) {
			v.add("radio.rb_hz", "must be at least 1 kHz and fit the bands, got %g", r.RBHz)
		}
	}
	if r.Coherence <= 0 {
		v.add("radio.coherence", "must be > 0, got %v", r.Coherence)
	}
	if r.LinkRefresh <= 0 {
		v.add("radio.link_refresh", "must be > 0, got %v", r.LinkRefresh)
	}
	v.positive("radio.max_spectral_efficiency", r.MaxSpectralEff)
	v.between("radio.bs_tx_power_dbm", r.BSPowerDBm, minDBm, maxDBm)

	if len(c.Edges) == 0 {
		v.add("edge", "at least one [[edge]] table is required")
	}
	for i, e := range c.Edges {
		k := fmt.Sprintf("edge[%d].", i)
		v.inArea(k+"x_m", e.X, c.Area.Width, "area.width_m")
		v.inArea(k+"y_m", e.Y, c.Area.Height, "area.height_m")
		v.positive(k+"coverage_m", e.Coverage)
		v.known(k+"processor", "processor", "processors", e.Processor, known.Processors)
		if e.Servers < 1 {
			v.add(k+"servers", "must be at least 1, got %d", e.Servers)
		}
		if _, err := mec.ParseDiscipline(e.Discipline); err != nil {
			v.add(k+"discipline", "%v", err)
		}
		if e.QueueLimit < 0 {
			v.add(k+"queue_limit", "must be >= 0 (0 for no limit), got %d", e.QueueLimit)
		}
		if e.WhenFull != "refused" && e.WhenFull != "cloud" {
			v.add(k+"when_full", "must be \"refused\" or \"cloud\", got %q", e.WhenFull)
		}
		if e.Batch < 1 || e.Batch > 4096 {
			v.add(k+"batch", "must be between 1 and 4096, got %d", e.Batch)
		}
		if e.LLMBatch < 1 || e.LLMBatch > 4096 {
			v.add(k+"llm_batch", "must be between 1 and 4096, got %d", e.LLMBatch)
		}
	}

	cl := c.Cloud
	if cl.WANLatency < 0 {
		v.add("cloud.wan_latency", "must not be negative, got %v", cl.WANLatency)
	}
	v.positive("cloud.wan_bandwidth_bps", cl.WANBandwidth)
	v.known("cloud.processor", "processor", "processors", cl.Processor, known.Processors)
	if cl.Servers < 1 {
		v.add("cloud.servers", "must be at least 1, got %d", cl.Servers)
	}
	if cl.LLMBatch < 1 || cl.LLMBatch > 4096 {
		v.add("cloud.llm_batch", "must be between 1 and 4096, got %d", cl.LLMBatch)
	}

	if len(c.Workloads) == 0 {
		v.add("workload", "at least one [[workload]] table is required")
	}
	for i, w := range c.Workloads {
		k := fmt.Sprintf("workload[%d].", i)
		models := known.Models
		switch w.Kind {
		case "vision":
		case "dag":
			models = nil
			if w.Alibaba == "" {
				if _, err := dagSpec(w); err != nil {
					v.add(k+"layers", "%v", err)
				}
			}
		case "llm":
			models = known.LLMs
			v.known(k+"quant", "quantisation", "quantisations", w.Quant, known.Quants)
			if w.PromptTokens < 1 || w.PromptTokens > maxTokens {
				v.add(k+"prompt_tokens", "must be between 1 and %d, got %d", maxTokens, w.PromptTokens)
			}
			if w.OutputTokens < 1 || w.OutputTokens > maxTokens {
				v.add(k+"output_tokens", "must be between 1 and %d, got %d", maxTokens, w.OutputTokens)
			}
			v.positive(k+"token_bytes", w.TokenBytes)
			if w.TTFTSLO <= 0 {
				v.add(k+"ttft_slo", "must be > 0, got %v", w.TTFTSLO)
			}
			if w.TPOTSLO <= 0 {
				v.add(k+"tpot_slo", "must be > 0, got %v", w.TPOTSLO)
			}
			for _, h := range []struct {
				key string
				v   [][]float64
			}{{"prompt_hist", w.PromptHist}, {"output_hist", w.OutputHist}} {
				var total float64
				for j, b := range h.v {
					if len(b) != 2 || !(b[0] >= 1 && b[0] <= maxTokens) || !(b[1] >= 0) || math.IsInf(b[1], 1) {
						v.add(fmt.Sprintf("%s%s[%d]", k, h.key, j), "want [tokens ≥ 1, weight ≥ 0], got %v", b)
						continue
					}
					total += b[1]
				}
				if len(h.v) > 0 && !(total > 0) {
					v.add(k+h.key, "the weights must not all be zero")
				}
			}
			v.between(k+"prompt_sigma", w.PromptSigma, 0, 5)
			v.between(k+"output_sigma", w.OutputSigma, 0, 5)
			if w.Turns < 1 || w.Turns > 10000 {
				v.add(k+"turns", "must be between 1 and 10000, got %d", w.Turns)
			}
			if w.ThinkTime < 0 {
				v.add(k+"think_time", "must not be negative, got %v", w.ThinkTime)
			}
		default:
			v.add(k+"kind", "must be \"vision\" or \"llm\", got %q", w.Kind)
		}
		switch {
		case w.Kind == "dag":
			if w.Model != "" {
				v.add(k+"model", "a DAG job has no model (its subtasks are generic work)")
			}
		case w.Model == "":
			v.add(k+"model", "required; %s", knownList("models", models))
		default:
			v.known(k+"model", "model", "models", w.Model, models)
		}
		if proc, err := arrivalProcess(w); err != nil {
			v.add(k+"arrivals", "%v", err)
		} else if proc != nil && w.Arrivals != "poisson" { // a Poisson rate is checked below
			if err := proc.Validate(); err != nil {
				v.add(k+"arrivals", "%v", err)
			}
		}
		if w.Arrivals != "trace" && w.Arrivals != "diurnal" && w.Arrivals != "mmpp" && w.Alibaba == "" {
			v.positive(k+"rate", w.Rate)
		}
		if w.Deadline <= 0 {
			v.add(k+"deadline", "must be > 0, got %v", w.Deadline)
		}
	}

	if d := c.D2D; d.Enabled {
		if !slices.Contains(known.D2DLinks, d.Link) {
			v.add("d2d.link", "unknown D2D link %q; %s", d.Link, knownList("links", known.D2DLinks))
		}
		if d.Clusters < 0 || d.Clusters > p.Count {
			v.add("d2d.clusters", "must be between 0 and phones.count (%d), got %d", p.Count, d.Clusters)
		}
		if d.Clusters == 0 {
			v.positive("d2d.cluster_radius_m", d.RadiusM)
		}
		v.between("d2d.min_battery", d.MinBattery, 0, 1)
		if d.MaxQueue < 0 {
			v.add("d2d.max_queue", "must be >= 0 (0 for no limit), got %d", d.MaxQueue)
		}
		if d.Recluster <= 0 {
			v.add("d2d.recluster", "must be > 0, got %v", d.Recluster)
		}
	}

	c.validateSweep(v, known)

	// A run must end: bound the number of tasks it would generate.
	var perPhone float64
	for _, w := range c.Workloads {
		if proc, err := arrivalProcess(w); err == nil && proc != nil && proc.Validate() == nil {
			perPhone += proc.MeanRate()
		} else {
			perPhone += w.Rate
		}
	}
	if expect := perPhone * float64(p.Count) * c.Duration.Seconds(); expect > maxExpectedTasks {
		v.add("workload", "phones.count × total rate × duration = %.3g expected tasks, more than the %.0e a run may generate", expect, maxExpectedTasks)
	}

	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// validator collects the violations Validate finds.
type validator struct {
	errs InputErrors
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &InputError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// positive requires 0 < x < +Inf.
func (v *validator) positive(key string, x float64) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		v.add(key, "must be finite and > 0, got %g", x)
	case x <= 0:
		v.add(key, "must be > 0, got %g", x)
	}
}

// nonNegative requires 0 <= x < +Inf.
func (v *validator) nonNegative(key string, x float64) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		v.add(key, "must be finite and >= 0, got %g", x)
	case x < 0:
		v.add(key, "must be >= 0, got %g", x)
	}
}

// between requires lo <= x <= hi.
func (v *validator) between(key string, x, lo, hi float64) {
	if !(x >= lo && x <= hi) {
		v.add(key, "must be between %g and %g, got %g", lo, hi, x)
	}
}

// inArea requires 0 <= x <= side, the boundary included; it says nothing
// when the side itself is invalid (that has its own message).
func (v *validator) inArea(key string, x, side float64, sideKey string) {
	if !(side > 0) || math.IsInf(side, 0) {
		return
	}
	if !(x >= 0 && x <= side) {
		v.add(key, "must be within the area, 0 to %g (%s), got %g", side, sideKey, x)
	}
}

// known requires name to be one of names.
func (v *validator) known(key, what, whats, name string, names []string) {
	if !slices.Contains(names, name) {
		v.add(key, "unknown %s %q; %s", what, name, knownList(whats, names))
	}
}

// knownList is "known models: a, b, c", sorted.
func knownList(whats string, names []string) string {
	if len(names) == 0 {
		return "no " + whats + " are known"
	}
	s := slices.Clone(names)
	slices.Sort(s)
	return "known " + whats + ": " + strings.Join(s, ", ")
}

// decoder checks a generically decoded file against the Config schema and
// collects the problems with their lines.
type decoder struct {
	file    string
	lines   map[string]int  // key path → line of its first appearance
	defined map[string]bool // key paths present in the file
	missing map[string]bool // required key paths absent from the file
	errs    InputErrors
	badType bool // a value cannot be decoded: do not go on to validation
	envOnly bool // ParseEnv: policies may be left out
}

var (
	configType   = reflect.TypeFor[Config]()
	durationType = reflect.TypeFor[time.Duration]()
)

// add records a problem with key, at the line of the key or, failing
// that, of the nearest enclosing table in the file.
func (d *decoder) add(key, format string, args ...any) {
	d.errs = append(d.errs, &InputError{
		File: d.file,
		Line: d.lineOf(key),
		Key:  key,
		Msg:  fmt.Sprintf(format, args...),
	})
}

// wrongType records a value that the field cannot hold.
func (d *decoder) wrongType(key, want string, got any) {
	d.badType = true
	d.add(key, "expected %s, got %s", want, describe(got))
}

func (d *decoder) lineOf(key string) int {
	for key != "" {
		if l, ok := d.lines[key]; ok {
			return l
		}
		key = parentKey(key)
	}
	return 0
}

// sorted returns the problems in file order, those without a line last.
func (d *decoder) sorted() InputErrors {
	sort.SliceStable(d.errs, func(i, j int) bool {
		li, lj := d.errs[i].Line, d.errs[j].Line
		if li == 0 {
			return false
		}
		return lj == 0 || li < lj
	})
	return d.errs
}

// field is one key of a table in the schema.
type field struct {
	name string
	typ  reflect.Type
}

// tomlFields lists the keys of struct type t, in declaration order.
func tomlFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out = append(out, field{name, f.Type})
	}
	return out
}

// table checks table m against struct type t. path is the table's key
// path ("" at the top); where names it in the list of known keys.
func (d *decoder) table(m map[string]any, t reflect.Type, path, where string) {
	fields := tomlFields(t)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := joinKey(path, k)
		d.defined[p] = true
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == k })
		if i < 0 {
			d.unknown(p, k, fields, where)
			continue
		}
		d.value(m[k], fields[i].typ, p)
	}
}

// unknown records an unknown key, suggesting the known key it is most
// likely a misspelling of, or else listing the known keys.
func (d *decoder) unknown(path, k string, fields []field, where string) {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	if s := suggest(k, names); s != "" {
		d.add(path, "unknown key; did you mean %q?", s)
		return
	}
	d.add(path, "unknown key; known %s: %s", where, strings.Join(names, ", "))
}

// value checks that v, decoded generically, fits a field of type t.
func (d *decoder) value(v any, t reflect.Type, p string) {
	if t == durationType {
		switch x := v.(type) {
		case string:
			if _, err := time.ParseDuration(x); err != nil {
				d.badType = true
				d.add(p, "invalid duration %q: write a number with a unit, such as \"90s\", \"1m30s\" or \"40ms\"", x)
			}
		case int64:
			d.badType = true
			d.add(p, "expected a duration string with a unit, such as \"%ds\", got integer %d (a bare number would be nanoseconds)", x, x)
		default:
			d.wrongType(p, `a duration string such as "90s"`, v)
		}
		return
	}
	if t.Kind() == reflect.Pointer { // an optional table: [sweep], [reference], [train]
		d.value(v, t.Elem(), p)
		return
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			d.wrongType(p, "string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			d.wrongType(p, "boolean", v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, ok := v.(int64)
		switch {
		case !ok:
			d.wrongType(p, "integer", v)
		case reflect.Zero(t).OverflowInt(x):
			d.badType = true
			d.add(p, "%d is out of range for this key", x)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x, ok := v.(int64)
		switch {
		case !ok:
			d.wrongType(p, "non-negative integer", v)
		case x < 0:
			d.badType = true
			d.add(p, "must not be negative, got %d", x)
		case reflect.Zero(t).OverflowUint(uint64(x)):
			d.badType = true
			d.add(p, "%d is out of range for this key", x)
		}
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case float64:
		case int64:
			// The decoder converts integers to floats only when exact.
			const maxExact = 1 << 53
			if x > maxExact || x < -maxExact {
				d.badType = true
				d.add(p, "integer %d cannot be held exactly as a float; write it as a float, such as %g", x, float64(x))
			}
		default:
			d.wrongType(p, "number", v)
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			d.wrongType(p, "table", v)
			return
		}
		d.table(m, t, p, "keys in ["+genericKey(p)+"]")
	case reflect.Slice:
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		case []map[string]any:
			for _, m := range x {
				items = append(items, m)
			}
		default:
			want := "array of " + kindName(t.Elem()) + "s"
			if t.Elem().Kind() == reflect.Struct {
				want = "array of tables ([[" + genericKey(p) + "]])"
			}
			d.wrongType(p, want, v)
			return
		}
		for i, item := range items {
			ip := indexKey(p, i)
			d.defined[ip] = true
			if t.Elem().Kind() == reflect.Struct {
				m, ok := item.(map[string]any)
				if !ok {
					d.wrongType(ip, "table", item)
					continue
				}
				d.table(m, t.Elem(), ip, "keys in [["+genericKey(p)+"]]")
				continue
			}
			d.value(item, t.Elem(), ip)
		}
	}
}

// kindName is the TOML word for values of Go type t.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct:
		return "table"
	case reflect.Slice:
		return "array"
	case reflect.Interface:
		return "value"
	default:
		return "integer"
	}
}

// describe names a generically decoded value's TOML type, with the value
// when it is short.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:37] + "..."
		}
		return fmt.Sprintf("string %q", x)
	case int64:
		return fmt.Sprintf("integer %d", x)
	case float64:
		return fmt.Sprintf("float %g", x)
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case time.Time:
		return "datetime"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// required records the keys that have no default and are absent.
func (d *decoder) required(c *Config, known Known) {
	miss := func(key, format string, args ...any) {
		if !d.defined[key] {
			d.missing[key] = true
			d.add(key, "missing required key"+format, args...)
		}
	}
	if !d.envOnly {
		miss("policies", "; %s", knownList("policies", known.Policies))
	}
	for i := range c.Edges {
		miss(fmt.Sprintf("edge[%d].x_m", i), " (the site's position in m)")
		miss(fmt.Sprintf("edge[%d].y_m", i), " (the site's position in m)")
	}
	for i := range c.Workloads {
		if c.Workloads[i].Kind != "dag" {
			miss(fmt.Sprintf("workload[%d].model", i), "; %s", knownList("models", known.Models))
		}
		switch {
		case c.Workloads[i].Alibaba != "": // arrivals from the trace
		case c.Workloads[i].Arrivals == "mmpp", c.Workloads[i].Arrivals == "diurnal", c.Workloads[i].Arrivals == "trace":
			// their rates come from their own keys
		default:
			miss(fmt.Sprintf("workload[%d].rate", i), " (arrivals per second per phone)")
		}
	}
}

// undecoded reports the keys the decoder left unused that the schema check
// did not already report. Both should agree; this is a backstop.
func (d *decoder) undecoded(keys []toml.Key) {
	reported := map[string]bool{}
	for _, e := range d.errs {
		reported[genericKey(e.Key)] = true
	}
outer:
	for _, k := range keys {
		for n := len(k); n > 0; n-- {
			if reported[toml.Key(k[:n]).String()] {
				continue outer
			}
		}
		d.add(k.String(), "unknown key")
		reported[k.String()] = true
	}
}

// lastKeyRE takes a decoder error apart: "toml: line 2 (last key
// "phones.count"): incompatible types: ...".
var lastKeyRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "((?:[^"\\]|\\.)*)"\): (.*)$`)

// decodeError converts an error from decoding into Config.
func (d *decoder) decodeError(err error) *InputError {
	e := &InputError{File: d.file, Msg: err.Error(), Err: err}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Line, e.Key, e.Msg = pe.Position.Line, pe.LastKey, pe.Message
		return e
	}
	if m := lastKeyRE.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Key = m[2]
		if k, err := strconv.Unquote(`"` + m[2] + `"`); err == nil {
			e.Key = k
		}
		e.Msg = m[3]
	}
	return e
}

// syntaxError converts an error from parsing the TOML.
func syntaxError(file string, err error) *InputError {
	e := &InputError{File: file, Msg: "syntax error: " + err.Error(), Err: err}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Line = pe.Position.Line
		e.Msg = "syntax error: " + pe.Message
	}
	return e
}

// Key paths name a value in the file: components joined by dots, quoted
// when they are not bare keys, and array elements indexed from 0, as in
// "edge[1].x_m" or "policies[2]".

func joinKey(prefix, k string) string {
	if !isBareKey(k) {
		k = strconv.Quote(k)
	}
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func indexKey(p string, i int) string { return p + "[" + strconv.Itoa(i) + "]" }

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// parentKey drops the last component or index of a key path; quoted
// components are not special-cased, as the paths looked up here have none
// in their parents.
func parentKey(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// genericKey drops the indices: "edge[1].x_m" → "edge.x_m".
func genericKey(p string) string { return indexRE.ReplaceAllString(p, "") }

// suggest returns the name k is most likely a misspelling of, or "".
func suggest(k string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return n
		}
	}
	for _, n := range names { // a unit suffix left out, or one added
		if strings.HasPrefix(n, k+"_") || strings.HasPrefix(k, n+"_") {
			return n
		}
	}
	// Otherwise the nearest name, if the edits are few for the key's
	// length: "cuont" is "count", but "colour" is not "cloud".
	best, bestDist := "", len(k)
	for _, n := range names {
		if dist := editDistance(strings.ToLower(k), n); dist < bestDist && 3*dist < len(k) {
			best, bestDist = n, dist
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// locate finds the line on which each key path first appears in src, a
// document the TOML parser has accepted: keys, table headers ("edge[1]" for
// the second [[edge]]), dotted keys, inline tables and array elements. The
// parser keeps positions to itself, so this is a small scanner that
// understands just enough TOML to skip over values: strings of the four
// kinds, arrays and inline tables across lines, and comments.
func locate(src string) map[string]int {
	l := &locator{s: src, line: 1, lines: map[string]int{}, arrays: map[string]int{}}
	table := ""
	for {
		l.skip(true)
		if l.i >= len(l.s) {
			return l.lines
		}
		start := l.i
		if l.s[l.i] == '[' {
			table = l.header()
		} else {
			l.keyValue(table)
		}
		if l.i == start {
			l.i++ // not valid TOML; make progress anyway
		}
	}
}

type locator struct {
	s      string
	i      int // position in s
	line   int // line at position i
	lines  map[string]int
	arrays map[string]int // key path → number of [[...]] headers seen
}

func (l *locator) record(path string, line int) {
	if _, ok := l.lines[path]; !ok {
		l.lines[path] = line
	}
}

// skip passes spaces, comments and, if newlines, line breaks.
func (l *locator) skip(newlines bool) {
	for l.i < len(l.s) {
		switch c := l.s[l.i]; {
		case c == ' ' || c == '\t' || c == '\r':
			l.i++
		case c == '#':
			for l.i < len(l.s) && l.s[l.i] != '\n' {
				l.i++
			}
		case c == '\n' && newlines:
			l.i++
			l.line++
		default:
			return
		}
	}
}

func (l *locator) skipLine() {
	for l.i < len(l.s) && l.s[l.i] != '\n' {
		l.i++
	}
}

// header reads a [table] or [[array]] header and returns its key path.
func (l *locator) header() string {
	line := l.line
	array := strings.HasPrefix(l.s[l.i:], "[[")
	if array {
		l.i += 2
	} else {
		l.i++
	}
	keys := l.key()
	l.skip(false)
	for l.i < len(l.s) && l.s[l.i] == ']' {
		l.i++
	}
	path := ""
	for n, k := range keys {
		path = joinKey(path, k)
		if array && n == len(keys)-1 {
			count := l.arrays[path]
			l.arrays[path] = count + 1
			l.record(path, line)
			path = indexKey(path, count)
		} else if count := l.arrays[path]; count > 0 {
			path = indexKey(path, count-1) // the latest element
		}
		l.record(path, line)
	}
	return path
}

// key reads a possibly dotted key and returns its components.
func (l *locator) key() []string {
	var keys []string
	for {
		l.skip(false)
		if l.i >= len(l.s) {
			return keys
		}
		var k string
		if c := l.s[l.i]; c == '"' || c == '\'' {
			k = l.str()
		} else {
			start := l.i
			for l.i < len(l.s) && !strings.ContainsRune(" \t\r\n=.[]#\"',{}", rune(l.s[l.i])) {
				l.i++
			}
			if l.i == start {
				return keys
			}
			k = l.s[start:l.i]
		}
		keys = append(keys, k)
		l.skip(false)
		if l.i >= len(l.s) || l.s[l.i] != '.' {
			return keys
		}
		l.i++
	}
}

// keyValue reads "key = value" inside the table at prefix.
func (l *locator) keyValue(prefix string) {
	line := l.line
	keys := l.key()
	if len(keys) == 0 {
		l.skipLine()
		return
	}
	path := prefix
	for _, k := range keys {
		path = joinKey(path, k)
		l.record(path, line)
	}
	l.skip(false)
	if l.i >= len(l.s) || l.s[l.i] != '=' {
		l.skipLine()
		return
	}
	l.i++
	l.value(path)
}

// value skips over a value, recording the keys inside inline tables and
// the elements of arrays.
func (l *locator) value(path string) {
	l.skip(false)
	if l.i >= len(l.s) {
		return
	}
	switch l.s[l.i] {
	case '"', '\'':
		l.str()
	case '[':
		l.i++
		for n := 0; ; {
			l.skip(true)
			if l.i >= len(l.s) {
				return
			}
			switch l.s[l.i] {
			case ']':
				l.i++
				return
			case ',':
				l.i++
				continue
			}
			start := l.i
			p := indexKey(path, n)
			l.record(p, l.line)
			l.value(p)
			n++
			if l.i == start {
				l.i++
			}
		}
	case '{':
		l.i++
		for {
			l.skip(true)
			if l.i >= len(l.s) {
				return
			}
			switch l.s[l.i] {
			case '}':
				l.i++
				return
			case ',':
				l.i++
				continue
			}
			start := l.i
			l.keyValue(path)
			if l.i == start {
				l.i++
			}
		}
	default: // number, boolean, date and time
		for l.i < len(l.s) && !strings.ContainsRune(",]}#\n", rune(l.s[l.i])) {
			l.i++
		}
	}
}

// str reads a string of any of the four kinds and returns its value (for
// keys; escapes in basic strings are decoded as Go decodes them, which
// agrees with TOML on every escape a key is likely to hold).
func (l *locator) str() string {
	q := l.s[l.i]
	delim := strings.Repeat(string(q), 3)
	if strings.HasPrefix(l.s[l.i:], delim) { // multi-line
		l.i += 3
		start := l.i
		for l.i < len(l.s) {
			switch {
			case q == '"' && l.s[l.i] == '\\':
				l.i++
				if l.i < len(l.s) && l.s[l.i] == '\n' {
					l.line++
				}
			case l.s[l.i] == '\n':
				l.line++
			case strings.HasPrefix(l.s[l.i:], delim):
				end := l.i
				l.i += 3
				// Up to two quotes may sit right before the closing ones.
				for n := 0; n < 2 && l.i < len(l.s) && l.s[l.i] == q; n++ {
					l.i++
					end++
				}
				return l.s[start:end]
			}
			l.i++
		}
		return l.s[start:]
	}
	l.i++
	start := l.i
	for l.i < len(l.s) && l.s[l.i] != q && l.s[l.i] != '\n' {
		if q == '"' && l.s[l.i] == '\\' && l.i+1 < len(l.s) && l.s[l.i+1] != '\n' {
			l.i++
		}
		l.i++
	}
	raw := l.s[start:l.i]
	if l.i < len(l.s) && l.s[l.i] == q {
		l.i++
	}
	if q == '"' {
		if u, err := strconv.Unquote(`"` + raw + `"`); err == nil {
			return u
		}
	}
	return raw
}
