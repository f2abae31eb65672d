package experiments

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mecsim/mecsim/results"
)

// Sweep varies keys of the experiment over a grid of values. In an
// experiment file it is either the one-key form
//
//	[sweep]
//	key    = "phones.count"
//	values = [5, 20, 80]
//
// or any number of parameters, whose grid is their cartesian product (the
// first parameter varying slowest), with replications:
//
//	[sweep]
//	replications = 5
//
//	[[sweep.param]]
//	key    = "phones.count"
//	values = [10, 20, 40]
//
//	[[sweep.param]]
//	key   = "workload[0].rate"
//	range = {from = 0.5, to = 2.0, step = 0.5}
//
// A key is any single value of the config by its dotted path, with an
// index for [[edge]] and [[workload]] tables: a number, a duration (values
// in seconds, or strings such as "100ms"), a string or a boolean.
//
// "mecsim run" runs the one-key form of a numeric key with the file's seed
// at every point (common random numbers across points); "mecsim sweep"
// runs any grid, every point × replication with its own seed (see
// Grid.Seed), and writes the tidy tables runs.csv and aggregate.csv.
type Sweep struct {
	Key    string `toml:"key,omitempty"`    // one-key form: the dotted key, such as "phones.count"
	Values []any  `toml:"values,omitempty"` // one-key form: the values it takes, in order

	// Params are the [[sweep.param]] tables, one per key to vary.
	Params []SweepParam `toml:"param,omitempty"`
	// Replications runs every point this many times; default 1.
	Replications int `toml:"replications,omitzero"`
}

// SweepParam is one key of a sweep and the values it takes: a list, or a
// range.
type SweepParam struct {
	Key    string      `toml:"key"`
	Values []any       `toml:"values,omitempty"`
	Range  *SweepRange `toml:"range,omitempty"`
}

// SweepRange is an arithmetic (step) or geometric (factor) progression
// from From up to To, both included when the progression lands on To
// (within 1e-9 of a step). Values are rounded to 12 significant digits, so
// that 0.1 steps give 0.3, not 0.30000000000000004.
type SweepRange struct {
	From   float64 `toml:"from"`
	To     float64 `toml:"to"`
	Step   float64 `toml:"step,omitzero"`   // > 0: From, From+Step, From+2·Step, …
	Factor float64 `toml:"factor,omitzero"` // > 1: From, From·Factor, From·Factor², … (From > 0)
}

// Limits of a sweep.
const (
	maxSweepValues       = 10_000    // values of one parameter
	maxSweepPoints       = 1_000_000 // points of a grid
	maxSweepReplications = 10_000
)

// sweepParam is a parameter of a sweep as the file gives it, with the key
// paths its problems are reported under.
type sweepParam struct {
	SweepParam
	at string // "sweep" (one-key form) or "sweep.param[i]"
}

// keyAt is the key path of the parameter's key.
func (p sweepParam) keyAt() string { return p.at + ".key" }

// params lists the sweep's parameters in order, the one-key form as one.
func (sw *Sweep) params() []sweepParam {
	if sw == nil {
		return nil
	}
	var out []sweepParam
	if sw.Key != "" || len(sw.Values) > 0 {
		out = append(out, sweepParam{SweepParam{Key: sw.Key, Values: sw.Values}, "sweep"})
	}
	for i, p := range sw.Params {
		out = append(out, sweepParam{p, fmt.Sprintf("sweep.param[%d]", i)})
	}
	return out
}

// replications is the number of replications, at least 1.
func (sw *Sweep) replications() int {
	if sw == nil || sw.Replications < 1 {
		return 1
	}
	return sw.Replications
}

// leafKind is the kind of value a sweep key names.
type leafKind int

const (
	leafInt leafKind = iota
	leafFloat
	leafDuration
	leafString
	leafBool
)

// forbidden lists keys a sweep may not vary, and why.
var forbidden = map[string]string{
	"name":        "the experiment's name is not a parameter",
	"seed":        "seeds are derived per point and replication: set replications instead",
	"environment": "a sweep varies a mecsim world",
	"pareto":      "mecsim sweep does not run Pareto evaluations",
	"radio.cell":  "a cell preset fills other radio keys when the file is read; sweep those keys instead",
}

// leaf returns the settable field that key names in the config c points
// to, and its kind. Keys are dotted paths of TOML keys, with an index for
// the elements of [[edge]] and [[workload]]: "phones.count",
// "edge[1].servers", "workload[0].rate".
func (c *Config) leaf(key string) (reflect.Value, leafKind, error) {
	if key == "" {
		return reflect.Value{}, 0, fmt.Errorf("empty key")
	}
	if why, ok := forbidden[key]; ok {
		return reflect.Value{}, 0, fmt.Errorf("%s cannot be swept: %s", key, why)
	}
	v := reflect.ValueOf(c).Elem()
	parts := strings.Split(key, ".")
	for i, part := range parts {
		sofar := strings.Join(parts[:i+1], ".")
		name, index, hasIndex, err := splitIndex(part)
		if err != nil {
			return reflect.Value{}, 0, fmt.Errorf("%q: %w", key, err)
		}
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, 0, fmt.Errorf("%q is not a table", strings.Join(parts[:i], "."))
		}
		next := reflect.Value{}
		for j := range v.NumField() {
			f := v.Type().Field(j)
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if tag == name && f.IsExported() {
				next = v.Field(j)
				break
			}
		}
		if !next.IsValid() {
			return reflect.Value{}, 0, fmt.Errorf("no key %q", strings.TrimSuffix(sofar, part)+name)
		}
		if next.Kind() == reflect.Pointer {
			return reflect.Value{}, 0, fmt.Errorf("%q: a sweep varies the simulated world, not the optional [%s] table", key, name)
		}
		switch {
		case hasIndex && next.Kind() != reflect.Slice:
			return reflect.Value{}, 0, fmt.Errorf("%q is not a list of tables: no index", strings.TrimSuffix(sofar, part)+name)
		case hasIndex && index >= next.Len():
			return reflect.Value{}, 0, fmt.Errorf("%q: index %d, but the file has %d", sofar, index, next.Len())
		case hasIndex:
			next = next.Index(index)
		case next.Kind() == reflect.Slice && next.Type().Elem().Kind() == reflect.Struct:
			return reflect.Value{}, 0, fmt.Errorf("%q is a list of tables: name one by its index, such as %s[0]", sofar, sofar)
		}
		v = next
	}
	switch v.Kind() {
	case reflect.Int:
		return v, leafInt, nil
	case reflect.Float64:
		return v, leafFloat, nil
	case reflect.Int64:
		if v.Type() == durationType {
			return v, leafDuration, nil
		}
	case reflect.String:
		return v, leafString, nil
	case reflect.Bool:
		return v, leafBool, nil
	}
	return reflect.Value{}, 0, fmt.Errorf("%q is not a single number, duration, string or boolean", key)
}

// splitIndex takes "edge[1]" apart.
func splitIndex(part string) (name string, index int, ok bool, err error) {
	open := strings.IndexByte(part, '[')
	if open < 0 {
		return part, 0, false, nil
	}
	if !strings.HasSuffix(part, "]") {
		return "", 0, false, fmt.Errorf("bad index in %q", part)
	}
	index, err = strconv.Atoi(part[open+1 : len(part)-1])
	if err != nil || index < 0 {
		return "", 0, false, fmt.Errorf("bad index in %q", part)
	}
	return part[:open], index, true, nil
}

// normalise converts a value from the file to the Go type of a key of
// kind k: int, float64, time.Duration, string or bool.
func normalise(k leafKind, x any) (any, error) {
	switch k {
	case leafInt:
		switch n := x.(type) {
		case int64:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("%d is out of range", n)
			}
			return int(n), nil
		case float64:
			if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
				return nil, fmt.Errorf("takes whole numbers, got %v", n)
			}
			return int(n), nil
		}
		return nil, fmt.Errorf("takes whole numbers, got %s", describe(x))
	case leafFloat:
		var f float64
		switch n := x.(type) {
		case int64:
			f = float64(n)
		case float64:
			f = n
		default:
			return nil, fmt.Errorf("takes numbers, got %s", describe(x))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("takes finite numbers, got %v", f)
		}
		return f, nil
	case leafDuration:
		var s float64
		switch n := x.(type) {
		case string:
			d, err := time.ParseDuration(n)
			if err != nil {
				return nil, fmt.Errorf("invalid duration %q: write a number of seconds or a string with a unit, such as \"100ms\"", n)
			}
			return d, nil
		case int64:
			s = float64(n)
		case float64:
			s = n
		default:
			return nil, fmt.Errorf("takes durations (seconds, or strings such as \"100ms\"), got %s", describe(x))
		}
		if math.IsNaN(s) || math.Abs(s) > float64(math.MaxInt64)/1e9 {
			return nil, fmt.Errorf("%v seconds is out of range", s)
		}
		return time.Duration(math.Round(s * 1e9)), nil
	case leafString:
		if s, ok := x.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("takes strings, got %s", describe(x))
	case leafBool:
		if b, ok := x.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("takes true or false, got %s", describe(x))
	}
	return nil, fmt.Errorf("unknown kind %d", k)
}

// canonical is the text of a normalised value in labels and tables:
// numbers in the shortest form that reads back exactly, durations in
// seconds.
func canonical(x any) string {
	switch v := x.(type) {
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Duration:
		return strconv.FormatFloat(v.Seconds(), 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	}
	return fmt.Sprint(x)
}

// number is a normalised numeric value as a float (durations in seconds).
func number(x any) (float64, bool) {
	switch v := x.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case time.Duration:
		return v.Seconds(), true
	}
	return 0, false
}

// set assigns the normalised value x to the field f.
func set(f reflect.Value, x any) {
	switch v := x.(type) {
	case int:
		f.SetInt(int64(v))
	case float64:
		f.SetFloat(v)
	case time.Duration:
		f.SetInt(int64(v))
	case string:
		f.SetString(v)
	case bool:
		f.SetBool(v)
	}
}

// with returns a copy of c, without its sweep, with each key set to the
// normalised value at the same index.
func (c *Config) with(keys []string, values []any) (*Config, error) {
	cp := *c
	cp.Policies = append([]string(nil), c.Policies...)
	cp.Edges = append([]Edge(nil), c.Edges...)
	cp.Workloads = append([]Workload(nil), c.Workloads...)
	cp.Sweep = nil
	for i, key := range keys {
		f, _, err := cp.leaf(key)
		if err != nil {
			return nil, err
		}
		set(f, values[i])
	}
	return &cp, nil
}

// sweepValue is one value of a parameter: normalised, and its canonical
// text.
type sweepValue struct {
	v    any
	text string
}

// values lists a parameter's values, normalised for the key's kind; every
// problem is recorded in v under the parameter's key paths.
func (p sweepParam) values(c *Config, v *validator) []sweepValue {
	_, kind, err := c.leaf(p.Key)
	if err != nil {
		v.add(p.keyAt(), "%v", err)
		return nil
	}
	raw := p.Values
	var rawAt func(i int) string
	switch {
	case len(p.Values) > 0 && p.Range != nil:
		v.add(p.at+".range", "give either values or a range, not both")
		return nil
	case p.Range != nil:
		xs, err := p.Range.expand()
		if err != nil {
			v.add(p.at+".range", "%v", err)
			return nil
		}
		if kind == leafString || kind == leafBool {
			v.add(p.at+".range", "%s is not a number: list its values instead", p.Key)
			return nil
		}
		raw = make([]any, len(xs))
		for i, x := range xs {
			raw[i] = x
		}
		rawAt = func(int) string { return p.at + ".range" }
	case len(p.Values) == 0:
		v.add(p.at+".values", "list at least one value for %s (or give a range)", p.Key)
		return nil
	case len(p.Values) > maxSweepValues:
		v.add(p.at+".values", "at most %d values, got %d", maxSweepValues, len(p.Values))
		return nil
	default:
		rawAt = func(i int) string { return fmt.Sprintf("%s.values[%d]", p.at, i) }
	}
	out := make([]sweepValue, 0, len(raw))
	seen := map[string]int{}
	for i, x := range raw {
		n, err := normalise(kind, x)
		if err != nil {
			v.add(rawAt(i), "%s %v", p.Key, err)
			continue
		}
		text := canonical(n)
		if j, dup := seen[text]; dup {
			v.add(rawAt(i), "%s = %s is listed twice (also value %d)", p.Key, text, j)
			continue
		}
		seen[text] = i
		out = append(out, sweepValue{n, text})
	}
	return out
}

// expand lists a range's values.
func (r SweepRange) expand() ([]float64, error) {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(r.From) || !finite(r.To) || !finite(r.Step) || !finite(r.Factor) {
		return nil, fmt.Errorf("from, to, step and factor must be finite")
	}
	if r.To < r.From {
		return nil, fmt.Errorf("to (%g) must not be below from (%g)", r.To, r.From)
	}
	round := func(x float64) float64 {
		y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		return y
	}
	var out []float64
	switch {
	case (r.Step != 0) == (r.Factor != 0):
		return nil, fmt.Errorf("give one of step (arithmetic) and factor (geometric)")
	case r.Step != 0:
		if r.Step < 0 {
			return nil, fmt.Errorf("step must be > 0, got %g", r.Step)
		}
		n := math.Floor((r.To-r.From)/r.Step+1e-9) + 1
		if n > maxSweepValues {
			return nil, fmt.Errorf("%g values, more than the %d a parameter may take", n, maxSweepValues)
		}
		for k := range int(n) {
			out = append(out, round(r.From+float64(k)*r.Step))
		}
	default:
		if r.Factor <= 1 || r.From <= 0 {
			return nil, fmt.Errorf("a geometric range needs factor > 1 and from > 0, got factor %g, from %g", r.Factor, r.From)
		}
		for x := r.From; x <= r.To*(1+1e-9); x *= r.Factor {
			if len(out) == maxSweepValues {
				return nil, fmt.Errorf("more than the %d values a parameter may take", maxSweepValues)
			}
			out = append(out, round(x))
		}
	}
	return out, nil
}

// validateSweep checks the sweep's shape and each value of each parameter
// on its own (the other keys at the file's values); Env.Grid checks every
// combination.
func (c *Config) validateSweep(v *validator, known Known) {
	sw := c.Sweep
	if sw == nil {
		return
	}
	if (sw.Key != "" || len(sw.Values) > 0) && len(sw.Params) > 0 {
		v.add("sweep.key", "give either key and values or [[sweep.param]] tables, not both")
		return
	}
	if sw.Replications < 1 || sw.Replications > maxSweepReplications {
		v.add("sweep.replications", "must be between 1 and %d, got %d", maxSweepReplications, sw.Replications)
	}
	ps := sw.params()
	if len(ps) == 0 {
		v.add("sweep", "name a key to vary: key and values, or [[sweep.param]] tables")
		return
	}
	seen := map[string]int{}
	points := 1.0
	for i, p := range ps {
		if j, dup := seen[p.Key]; dup && p.Key != "" {
			v.add(p.keyAt(), "%s is swept twice (also sweep.param[%d])", p.Key, j)
			continue
		}
		seen[p.Key] = i
		vals := p.values(c, v)
		points *= float64(max(1, len(vals)))
		for j, x := range vals {
			pc, err := c.with([]string{p.Key}, []any{x.v})
			if err == nil {
				err = pc.Validate(known)
			}
			if err != nil {
				at := fmt.Sprintf("%s.values[%d]", p.at, j)
				if p.Range != nil {
					at = p.at + ".range"
				}
				v.add(at, "%s = %s: %v", p.Key, x.text, strings.ReplaceAll(err.Error(), "\n", "; "))
			}
		}
	}
	if points > maxSweepPoints {
		v.add("sweep", "the grid has %.0f points, more than the %d a sweep may have", points, maxSweepPoints)
	}
}

// runSweep runs the one-key sweep of a numeric key for "mecsim run": every
// value with the same seed, gathered into one outcome of every task,
// tagged with its point, and a summary per point.
func (e Env) runSweep(c *Config, opt Options) (*Outcome, error) {
	ps := c.Sweep.params()
	if len(ps) != 1 || c.Sweep.replications() != 1 {
		err := fmt.Errorf("a sweep of %d parameters with %d replications runs with \"mecsim sweep\"; \"mecsim run\" runs one key, once per value", len(ps), c.Sweep.replications())
		return nil, InputErrors{{Key: "sweep", Msg: err.Error(), Err: err}}
	}
	p := ps[0]
	var v validator
	vals := p.values(c, &v)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	out := &Outcome{Config: c, Summary: results.Summary{
		Experiment: c.Name, Seed: c.Seed, Duration: c.Duration.Seconds(), SweepKey: p.Key,
	}}
	for i, x := range vals {
		num, ok := number(x.v)
		if !ok {
			err := fmt.Errorf("%s is not a number: \"mecsim run\" plots numbers; run this sweep with \"mecsim sweep\"", p.Key)
			return nil, InputErrors{{Key: p.keyAt(), Msg: err.Error(), Err: err}}
		}
		pc, err := c.with([]string{p.Key}, []any{x.v})
		if err != nil {
			return nil, InputErrors{{Key: p.keyAt(), Msg: err.Error(), Err: err}}
		}
		label := p.Key + "=" + x.text
		if err := pc.Validate(e.Known()); err != nil {
			return nil, fmt.Errorf("sweep point %s: %w", label, err)
		}
		popt := opt
		if opt.Progress != nil {
			n := float64(len(vals))
			popt.Progress = func(f float64) { opt.Progress((float64(i) + f) / n) }
		}
		o, err := e.runOne(pc, popt)
		if err != nil {
			return nil, fmt.Errorf("sweep point %s: %w", label, err)
		}
		for j := range o.Tasks {
			o.Tasks[j].Point = label
		}
		out.Tasks = append(out.Tasks, o.Tasks...)
		out.Summary.Sweep = append(out.Summary.Sweep, results.SweepPoint{Value: num, Policies: o.Summary.Policies})
	}
	out.Summary.Policies = results.SummarizeAll(out.Tasks, c.Policies)
	return out, nil
}
