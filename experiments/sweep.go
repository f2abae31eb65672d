package experiments

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mecsim/mecsim/results"
)

// Sweep varies one numeric key of the experiment over a list of values;
// every value is run with the same seed, so the points differ only in the
// key (common random numbers across points as across policies).
type Sweep struct {
	Key    string    `toml:"key,omitempty"`    // dotted key of a number, such as "phones.count" or "d2d.cluster_radius_m"
	Values []float64 `toml:"values,omitempty"` // the values it takes, in order
}

// field returns the settable field that dotted key names in c.
func (c *Config) field(key string) (reflect.Value, error) {
	v := reflect.ValueOf(c).Elem()
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, fmt.Errorf("%q is not a table", strings.Join(parts[:i], "."))
		}
		next := reflect.Value{}
		for j := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(j).Tag.Get("toml"), ",")
			if name == part && v.Type().Field(j).IsExported() {
				next = v.Field(j)
				break
			}
		}
		if !next.IsValid() {
			return reflect.Value{}, fmt.Errorf("no key %q", strings.Join(parts[:i+1], "."))
		}
		v = next
	}
	switch v.Kind() {
	case reflect.Int, reflect.Float64:
		return v, nil
	case reflect.Int64:
		if v.Type() == reflect.TypeFor[time.Duration]() {
			return v, nil
		}
	}
	return reflect.Value{}, fmt.Errorf("%q is not a number (a sweep varies numbers, and durations in seconds)", key)
}

// withValue returns a copy of c with key set to x; durations take x in
// seconds.
func (c *Config) withValue(key string, x float64) (*Config, error) {
	cp := *c
	cp.Policies = append([]string(nil), c.Policies...)
	cp.Edges = append([]Edge(nil), c.Edges...)
	cp.Workloads = append([]Workload(nil), c.Workloads...)
	cp.Sweep = nil
	f, err := cp.field(key)
	if err != nil {
		return nil, err
	}
	switch f.Kind() {
	case reflect.Int:
		if x != float64(int(x)) {
			return nil, fmt.Errorf("%s takes whole numbers, got %v", key, x)
		}
		f.SetInt(int64(x))
	case reflect.Float64:
		f.SetFloat(x)
	case reflect.Int64:
		f.SetInt(int64(time.Duration(x * float64(time.Second))))
	}
	return &cp, nil
}

// runSweep runs every point of c's sweep and gathers them into one
// outcome: every task, tagged with its point, and a summary per point.
func (e Env) runSweep(c *Config, opt Options) (*Outcome, error) {
	sw := *c.Sweep
	out := &Outcome{Config: c, Summary: results.Summary{
		Experiment: c.Name, Seed: c.Seed, Duration: c.Duration.Seconds(), SweepKey: sw.Key,
	}}
	for i, x := range sw.Values {
		pc, err := c.withValue(sw.Key, x)
		if err != nil {
			return nil, InputErrors{{Key: "sweep.values", Msg: err.Error(), Err: err}}
		}
		if err := pc.Validate(e.Known()); err != nil {
			return nil, fmt.Errorf("sweep point %s = %v: %w", sw.Key, x, err)
		}
		popt := opt
		if opt.Progress != nil {
			n := float64(len(sw.Values))
			popt.Progress = func(f float64) { opt.Progress((float64(i) + f) / n) }
		}
		o, err := e.runOne(pc, popt)
		if err != nil {
			return nil, fmt.Errorf("sweep point %s = %v: %w", sw.Key, x, err)
		}
		label := sw.Key + "=" + strconv.FormatFloat(x, 'g', -1, 64)
		for j := range o.Tasks {
			o.Tasks[j].Point = label
		}
		out.Tasks = append(out.Tasks, o.Tasks...)
		out.Summary.Sweep = append(out.Summary.Sweep, results.SweepPoint{Value: x, Policies: o.Summary.Policies})
	}
	out.Summary.Policies = results.SummarizeAll(out.Tasks, c.Policies)
	return out, nil
}
