package devices

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/optimize"

	"github.com/mecsim/mecsim/workloads"
)

// fitParam is one factor that Fit adjusts.
type fitParam struct {
	name  string  // its key in the data files
	frac  bool    // a fraction in (0, 1), fitted on the logit scale; else a positive amount, on the log scale
	scale float64 // units in the data files per unit of Factors (1e3 for milliseconds)
	field func(*Factors) *float64
	data  func(*fitData) **float64
}

var fitParams = []fitParam{
	{"compute_eff", true, 1, func(f *Factors) *float64 { return &f.ComputeEff }, func(d *fitData) **float64 { return &d.ComputeEff }},
	{"mem_eff", true, 1, func(f *Factors) *float64 { return &f.MemEff }, func(d *fitData) **float64 { return &d.MemEff }},
	{"activation_traffic", false, 1, func(f *Factors) *float64 { return &f.ActivationTraffic }, func(d *fitData) **float64 { return &d.ActivationTraffic }},
	{"call_overhead_ms", false, 1e3, func(f *Factors) *float64 { return &f.CallOverhead }, func(d *fitData) **float64 { return &d.CallOverheadMS }},
	{"token_overhead_ms", false, 1e3, func(f *Factors) *float64 { return &f.TokenOverhead }, func(d *fitData) **float64 { return &d.TokenOverheadMS }},
	{"chunk_overhead_ms", false, 1e3, func(f *Factors) *float64 { return &f.ChunkOverhead }, func(d *fitData) **float64 { return &d.ChunkOverheadMS }},
}

// fracLimit keeps fitted fractions off 0 and 1, where the logit is
// infinite.
const fracLimit = 1e-6

func (p fitParam) theta(v float64) float64 {
	if p.frac {
		v = min(max(v, fracLimit), 1-fracLimit)
		return math.Log(v / (1 - v))
	}
	return math.Log(v)
}

func (p fitParam) value(theta float64) float64 {
	if p.frac {
		return 1 / (1 + math.Exp(-theta))
	}
	return math.Exp(theta)
}

// applyFits applies the [[fit]] tables of the data files: first those of
// engines, then those of single devices, which start from the engine's
// (fitted) factors. The values they replace become the factors' Prior.
func (c *Catalogue) applyFits() error {
	for pass := range 2 {
		for _, fd := range c.fits {
			if (fd.Device != "") != (pass == 1) {
				continue
			}
			what := fmt.Sprintf("fit of %s/%s", fd.Engine, fd.Kind)
			if fd.Device != "" {
				what += " on " + fd.Device
			}
			e, ok := c.engines[fd.Engine]
			if !ok {
				return fmt.Errorf("devices: %s: unknown engine %q", what, fd.Engine)
			}
			i := slices.IndexFunc(e.On, func(f Factors) bool { return f.Kind == fd.Kind })
			if i < 0 {
				return fmt.Errorf("devices: %s: engine %s does not run on %s processors", what, e.Name, fd.Kind)
			}
			var f Factors
			if fd.Device == "" {
				f = e.On[i]
			} else {
				d, ok := c.devices[fd.Device]
				if !ok {
					return fmt.Errorf("devices: %s: unknown device %q", what, fd.Device)
				}
				var own bool
				if f, own = d.Overrides[fd.Engine+"/"+string(fd.Kind)]; !own {
					f = e.On[i]
					f.Prior = nil
				}
			}
			if f.Prior != nil {
				return fmt.Errorf("devices: %s: fitted twice", what)
			}
			prior := f
			f.Prior = &prior
			for _, p := range fitParams {
				if v := *p.data(&fd); v != nil {
					*p.field(&f) = *v / p.scale
				}
			}
			if fd.Source != "" {
				f.Source = fd.Source
			}
			if err := f.validate(); err != nil {
				return fmt.Errorf("devices: %s: %w", what, err)
			}
			if fd.Device == "" {
				e.On[i] = f
				continue
			}
			d := c.devices[fd.Device]
			if d.Overrides == nil {
				d.Overrides = map[string]Factors{}
			}
			d.Overrides[fd.Engine+"/"+string(fd.Kind)] = f
		}
	}
	c.fits = nil
	return nil
}

// clone returns a copy of c whose devices and engines can be changed
// without changing c's.
func (c *Catalogue) clone() *Catalogue {
	cc := *c
	cc.devices = make(map[string]*Device, len(c.devices))
	for name, d := range c.devices {
		dd := *d
		dd.Processors = slices.Clone(d.Processors)
		dd.Overrides = maps.Clone(d.Overrides)
		cc.devices[name] = &dd
	}
	cc.engines = make(map[string]*Engine, len(c.engines))
	for name, e := range c.engines {
		ee := *e
		ee.On = slices.Clone(e.On)
		cc.engines[name] = &ee
	}
	return &cc
}

// Defaults of FitOptions.
const (
	// DefaultPriorWeight pulls each fitted value towards its prior with
	// the weight of one row off by a factor e^0.1 (10%) per e-fold of
	// departure: weak, so that a value any row constrains follows the
	// rows, and one that none does stays at its prior.
	DefaultPriorWeight = 0.01
	// DefaultDeviceWeight pulls a device's own factors towards its
	// engine's: the ratio of the squared scatter of one row (about 10%)
	// to the squared scatter between devices (about 30%), so that a device
	// departs from its engine only as far as several of its rows agree.
	DefaultDeviceWeight = 0.1
	// DefaultMinDeviceRows is how many rows a device needs on one engine
	// and kind of processor for factors of its own.
	DefaultMinDeviceRows = 3
)

// FitOptions set up Fit. The zero value uses the defaults.
type FitOptions struct {
	// PriorWeight is the weight of the squared distance of each engine's
	// fitted value from its prior, on the log scale (logit for
	// fractions), against the squared log errors of the rows. Zero means
	// DefaultPriorWeight.
	PriorWeight float64
	// DeviceWeight is the weight of the squared distance, on the same
	// scales, of a device's own factors from its engine's. Zero means
	// DefaultDeviceWeight.
	DeviceWeight float64
	// MinDeviceRows is the number of rows a device needs on an engine and
	// kind of processor that other devices' rows share, to get factors of
	// its own there. Zero means DefaultMinDeviceRows.
	MinDeviceRows int
	// Leave names a device (a catalogue name) whose rows are left out of
	// the fit and whose own fitted factors are dropped, so that its rows
	// are predicted from the engines' factors alone.
	Leave string
	// FromPrior starts the search at the priors instead of the current
	// values.
	FromPrior bool
}

// FitResult is what Fit found.
type FitResult struct {
	// Catalogue is a copy of the input catalogue holding the fitted
	// values.
	Catalogue *Catalogue
	Entries   []FitEntry // sorted by engine, kind, then device (engines first)
	Rows      int        // rows fitted
	Cost      float64    // the objective at the optimum
}

// FitEntry is one set of fitted factors: an engine on a kind of
// processor, or, with Device set, one device's own factors there.
type FitEntry struct {
	Device string // "" for the engine's own factors
	Engine string
	Kind   Kind
	Params []FittedParam
	Rows   []string // ids of the rows that determine the values
}

// FittedParam is one fitted value, in the units of the data files
// (fractions, milliseconds).
type FittedParam struct {
	Name  string // as in the data files: compute_eff, mem_eff, activation_traffic, call_overhead_ms, token_overhead_ms, chunk_overhead_ms
	Value float64
	Prior float64 // for a device's own factors, the engine's fitted value
}

// slot is one set of factors being fitted: an engine on a kind of
// processor (a group), or one device's own (an override of its group).
type slot struct {
	engine *Engine
	kind   Kind
	idx    int     // of the engine's factors in engine.On
	dev    *Device // nil for a group
	group  *slot   // an override's group

	f      Factors // current values; an override's are derived from its group's
	orig   Factors // a group's values when the fit started
	prior  Factors // a group's prior
	theta  [numFitParams]float64
	theta0 [numFitParams]float64 // a group's theta when the fit started
	prior0 [numFitParams]float64 // prior theta of a group; zero for an override
	active []int                 // indices into fitParams being fitted
	jobs   []*job
}

const numFitParams = 6

func (s *slot) key() string {
	k := s.engine.Name + "/" + string(s.kind)
	if s.dev != nil {
		k = s.dev.Name + "|" + k
	}
	return k
}

// sync recomputes an override's factors from its group's and its own
// departures.
func (s *slot) sync() {
	if s.group == nil {
		// Values whose theta has not moved keep their bits.
		s.f = s.orig
		for i, p := range fitParams {
			if *p.field(&s.f) > 0 && s.theta[i] != s.theta0[i] {
				*p.field(&s.f) = p.value(s.theta[i])
			}
		}
		return
	}
	g := s.group
	f := g.f
	for i, p := range fitParams {
		if v := *p.field(&g.f); v > 0 && s.theta[i] != 0 {
			*p.field(&f) = p.value(g.theta[i] + s.theta[i])
		}
	}
	f.Source, f.Prior = s.f.Source, s.f.Prior
	s.f = f
}

// Fit fits the engines' efficiency factors and fixed costs, and devices'
// own where they have enough rows, to the rows of pts: it minimises the
// sum of squared log errors of the predicted rows plus a weak pull of
// each value towards its prior (the value in the engine's data before any
// fit) and a stronger pull of each device's own values towards its
// engine's. Fractions (compute_eff, mem_eff) are fitted on the logit
// scale, amounts on the log scale; a factor that is zero in the data is a
// structural zero and stays so. Factors belong to an engine on a kind of
// processor, or to one device on it, never to a row; a device gets its
// own factors where it has opts.MinDeviceRows rows on a combination that
// other devices share. Values no row depends on keep their priors.
//
// The factors split into independent groups (rows that share no factor)
// fitted one at a time with Nelder–Mead from gonum/optimize. c is not
// changed: the result holds a fitted copy.
func Fit(c *Catalogue, w *workloads.Catalogue, pts []Point, opts FitOptions) (*FitResult, error) {
	if opts.PriorWeight == 0 {
		opts.PriorWeight = DefaultPriorWeight
	}
	if opts.DeviceWeight == 0 {
		opts.DeviceWeight = DefaultDeviceWeight
	}
	if opts.MinDeviceRows == 0 {
		opts.MinDeviceRows = DefaultMinDeviceRows
	}
	if opts.PriorWeight < 0 || opts.DeviceWeight < 0 || opts.MinDeviceRows < 0 {
		return nil, errors.New("devices: fit: negative option")
	}
	cc := c.clone()
	if opts.Leave != "" {
		if _, ok := cc.devices[opts.Leave]; !ok {
			return nil, fmt.Errorf("devices: fit: unknown device %q to leave out", opts.Leave)
		}
	}
	// Fitted overrides are decided afresh; remember their values.
	start := map[string]Factors{}
	for _, d := range cc.devices {
		for k, f := range d.Overrides {
			if f.Prior != nil {
				start[d.Name+"|"+k] = f
				delete(d.Overrides, k)
			}
		}
	}

	var jobs []*job
	for _, p := range pts {
		j, _, err := resolve(cc, w, p)
		if err != nil || j.dev.Name == opts.Leave {
			continue
		}
		jobs = append(jobs, j)
	}

	// Groups: every engine and kind the rows run on, unless the device
	// has hand-written factors of its own there.
	groups := map[string]*slot{}
	count := map[string]map[string]int{} // group → device → rows
	for _, j := range jobs {
		for _, pr := range j.procs() {
			if _, own := j.dev.Overrides[j.eng.Name+"/"+string(pr.Kind)]; own {
				continue
			}
			k := j.eng.Name + "/" + string(pr.Kind)
			g, ok := groups[k]
			if !ok {
				idx := slices.IndexFunc(j.eng.On, func(f Factors) bool { return f.Kind == pr.Kind })
				g = &slot{engine: j.eng, kind: pr.Kind, idx: idx, f: j.eng.On[idx], prior: j.eng.On[idx]}
				if p := j.eng.On[idx].Prior; p != nil {
					g.prior = *p
					if opts.FromPrior {
						g.f = *p
						g.f.Prior = p
					}
				}
				for i, p := range fitParams {
					g.theta[i] = p.theta(*p.field(&g.f))
					g.prior0[i] = p.theta(*p.field(&g.prior))
				}
				g.orig, g.theta0 = g.f, g.theta
				groups[k] = g
				count[k] = map[string]int{}
			}
			count[k][j.dev.Name]++
		}
	}
	// Engine factors that no row fitted keep their priors: a value fitted
	// to the rows of a device now left out must not leak into its
	// prediction.
	for _, e := range cc.engines {
		for i, f := range e.On {
			if _, fitted := groups[e.Name+"/"+string(f.Kind)]; !fitted && f.Prior != nil {
				e.On[i] = *f.Prior
				e.On[i].Prior = nil
			}
		}
	}
	// Overrides: devices with enough rows on a group that other devices
	// share.
	overrides := map[string]*slot{}
	for k, g := range groups {
		if len(count[k]) < 2 {
			continue
		}
		for dev, n := range count[k] {
			if n < opts.MinDeviceRows {
				continue
			}
			o := &slot{engine: g.engine, kind: g.kind, idx: g.idx, dev: cc.devices[dev], group: g, f: g.f}
			if f, ok := start[dev+"|"+k]; ok && !opts.FromPrior {
				for i, p := range fitParams {
					if gv, v := *p.field(&g.f), *p.field(&f); gv > 0 && v > 0 {
						o.theta[i] = p.theta(v) - g.theta[i]
					}
				}
			}
			o.f.Prior = &g.prior
			overrides[o.key()] = o
		}
	}
	slotOf := func(d *Device, e *Engine, k Kind) *slot {
		if o, ok := overrides[d.Name+"|"+e.Name+"/"+string(k)]; ok {
			return o
		}
		return groups[e.Name+"/"+string(k)]
	}
	src := func(d *Device, e *Engine, k Kind) (Factors, error) {
		if s := slotOf(d, e, k); s != nil {
			return s.f, nil
		}
		return catalogueFactors(d, e, k)
	}
	all := slices.Collect(maps.Values(groups))
	all = append(all, slices.Collect(maps.Values(overrides))...)
	slices.SortFunc(all, func(a, b *slot) int { return cmp.Compare(a.key(), b.key()) })
	syncAll := func() {
		for _, s := range all {
			if s.group == nil {
				s.sync()
			}
		}
		for _, s := range all {
			if s.group != nil {
				s.sync()
			}
		}
	}
	syncAll()
	for _, j := range jobs {
		for _, pr := range j.procs() {
			if s := slotOf(j.dev, j.eng, pr.Kind); s != nil && !slices.Contains(s.jobs, j) {
				s.jobs = append(s.jobs, j)
				if s.group != nil && !slices.Contains(s.group.jobs, j) {
					s.group.jobs = append(s.group.jobs, j)
				}
			}
		}
	}

	// Active parameters: those some row's prediction depends on at the
	// priors (so that the set does not depend on where the search
	// starts). Probes of either sign and two sizes find a term of a
	// roofline or of a co-execution split that binds only near them.
	current := make([][numFitParams]float64, len(all))
	for k, s := range all {
		current[k] = s.theta
		if s.group == nil {
			s.theta = s.prior0
		} else {
			s.theta = [numFitParams]float64{}
		}
	}
	syncAll()
	for _, s := range all {
		for i, p := range fitParams {
			if *p.field(&s.f) <= 0 || (s.group != nil && *p.field(&s.group.f) <= 0) {
				continue
			}
			before := predictAll(s.jobs, src)
			old := s.theta[i]
		probes:
			for _, probe := range []float64{-1, -0.2, 0.2, 1} {
				s.theta[i] = old + probe
				syncAll()
				after := predictAll(s.jobs, src)
				for k := range before {
					if math.Abs(after[k]-before[k]) > 1e-9*math.Abs(before[k]) {
						s.active = append(s.active, i)
						break probes
					}
				}
			}
			s.theta[i] = old
			syncAll()
		}
	}
	for k, s := range all {
		s.theta = current[k]
	}
	syncAll()

	// Components: slots linked by a shared row or by an override.
	parent := map[*slot]*slot{}
	var find func(s *slot) *slot
	find = func(s *slot) *slot {
		if p, ok := parent[s]; ok && p != s {
			r := find(p)
			parent[s] = r
			return r
		}
		return s
	}
	union := func(a, b *slot) { parent[find(a)] = find(b) }
	for _, s := range all {
		if s.group != nil {
			union(s, s.group)
		}
	}
	for _, j := range jobs {
		var first *slot
		for _, pr := range j.procs() {
			if s := slotOf(j.dev, j.eng, pr.Kind); s != nil {
				if first == nil {
					first = s
				} else {
					union(first, s)
				}
			}
		}
	}
	comps := map[*slot][]*slot{}
	for _, s := range all {
		r := find(s)
		comps[r] = append(comps[r], s)
	}
	roots := slices.Collect(maps.Keys(comps))
	slices.SortFunc(roots, func(a, b *slot) int { return cmp.Compare(a.key(), b.key()) })

	res := &FitResult{Catalogue: cc}
	for _, r := range roots {
		cost, n := fitComponent(comps[r], src, syncAll, opts)
		res.Cost += cost
		res.Rows += n
	}

	// Write the fitted values into the copy.
	for _, s := range all {
		rows := make([]string, 0, len(s.jobs))
		for _, j := range s.jobs {
			rows = append(rows, j.pt.ID)
		}
		f := s.f
		if len(s.active) > 0 {
			f.Source = "fitted to rows " + strings.Join(rows, ", ") + " of data/points.csv"
		}
		if s.group == nil {
			f.Prior = s.engine.On[s.idx].Prior
			if f.Prior == nil {
				prior := s.prior
				f.Prior = &prior
			}
			s.engine.On[s.idx] = f
		} else if len(s.active) > 0 {
			if s.dev.Overrides == nil {
				s.dev.Overrides = map[string]Factors{}
			}
			s.dev.Overrides[s.engine.Name+"/"+string(s.kind)] = f
		}
		if len(s.active) == 0 {
			continue
		}
		e := FitEntry{Engine: s.engine.Name, Kind: s.kind, Rows: rows}
		if s.dev != nil {
			e.Device = s.dev.Name
		}
		for _, i := range s.active {
			p := fitParams[i]
			prior := *p.field(&s.prior)
			if s.group != nil {
				prior = *p.field(&s.group.f)
			}
			e.Params = append(e.Params, FittedParam{Name: p.name, Value: *p.field(&s.f) * p.scale, Prior: prior * p.scale})
		}
		res.Entries = append(res.Entries, e)
	}
	slices.SortFunc(res.Entries, func(a, b FitEntry) int {
		own := func(e FitEntry) int { return len(e.Device) }
		return cmp.Or(cmp.Compare(min(own(a), 1), min(own(b), 1)), cmp.Compare(a.Engine, b.Engine),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Device, b.Device))
	})
	return res, nil
}

// procs returns the processors a row runs on.
func (j *job) procs() []*Processor {
	if j.proc != nil {
		return []*Processor{j.proc}
	}
	return []*Processor{j.gpu, j.npu}
}

func predictAll(jobs []*job, src factorSource) []float64 {
	out := make([]float64, len(jobs))
	for i, j := range jobs {
		out[i], _ = j.predict(src)
	}
	return out
}

// badFit is the squared log error charged for a prediction that is not a
// positive number.
const badFit = 1e6

// fitComponent fits the active parameters of one component, leaving the
// best values in its slots, and returns the objective there and the
// number of rows it fitted.
func fitComponent(slots []*slot, src factorSource, syncAll func(), opts FitOptions) (float64, int) {
	type coord struct {
		s *slot
		i int
	}
	var coords []coord
	var jobs []*job
	for _, s := range slots {
		for _, i := range s.active {
			coords = append(coords, coord{s, i})
		}
		for _, j := range s.jobs {
			if !slices.Contains(jobs, j) {
				jobs = append(jobs, j)
			}
		}
	}
	set := func(x []float64) {
		for k, c := range coords {
			c.s.theta[c.i] = x[k]
		}
		syncAll()
	}
	objective := func(x []float64) float64 {
		set(x)
		var sum float64
		for _, j := range jobs {
			v, err := j.predict(src)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				sum += badFit
				continue
			}
			r := math.Log(v / j.pt.Value)
			sum += r * r
		}
		for k, c := range coords {
			if c.s.group == nil {
				d := x[k] - c.s.prior0[c.i]
				sum += opts.PriorWeight * d * d
			} else {
				sum += opts.DeviceWeight * x[k] * x[k]
			}
		}
		return sum
	}
	x := make([]float64, len(coords))
	for k, c := range coords {
		x[k] = c.s.theta[c.i]
	}
	if len(coords) == 0 {
		return objective(x), len(jobs)
	}
	best := objective(x)
	for range 20 { // restarts: Nelder–Mead's simplex can collapse early
		res, err := optimize.Minimize(optimize.Problem{Func: objective}, x,
			&optimize.Settings{
				FuncEvaluations: 4000 * len(coords),
				Converger:       &optimize.FunctionConverge{Absolute: 1e-12, Iterations: 50 * len(coords)},
			},
			&optimize.NelderMead{SimplexSize: 0.2})
		if err != nil || res == nil || !(res.F < best) {
			break
		}
		improved := best - res.F
		copy(x, res.X)
		best = res.F
		if improved < 1e-10 {
			break
		}
	}
	set(x)
	return best, len(jobs)
}

// WriteTOML writes the fitted values as [[fit]] tables of a data file,
// which the catalogue applies over the engines' and devices' own values.
func (r *FitResult) WriteTOML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Factor values fitted to the calibration table data/points.csv by devices.Fit (fit.go).
# Generated: regenerate with "go test ./devices -run TestShippedFit -update"; do not edit by hand.
# Each [[fit]] replaces the named values of an engine on a kind of processor (the values in
# engines.toml stay as the priors the fit pulls towards), or, with device set, gives that device
# factors of its own, starting from the engine's. Fractions are of the processor's peak rate and
# bandwidth share; times in ms. See calibrate.go and fit.go for the model and the fit.
`)
	for _, e := range r.Entries {
		b.WriteString("\n[[fit]]\n")
		if e.Device != "" {
			fmt.Fprintf(&b, "device = %q\n", e.Device)
		}
		fmt.Fprintf(&b, "engine = %q\nkind = %q\n", e.Engine, e.Kind)
		for _, p := range e.Params {
			fmt.Fprintf(&b, "%s = %s\n", p.Name, formatFit(p.Value))
		}
		quoted := make([]string, len(e.Rows))
		for i, id := range e.Rows {
			quoted[i] = fmt.Sprintf("%q", id)
		}
		fmt.Fprintf(&b, "rows = [%s]\n", strings.Join(quoted, ", "))
		fmt.Fprintf(&b, "source = %q\n", "fitted to rows "+strings.Join(e.Rows, ", ")+" of data/points.csv")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatFit prints a fitted value to 6 significant digits, always with a
// decimal point or exponent so that TOML reads a float.
func formatFit(v float64) string {
	s := fmt.Sprintf("%.6g", v)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// LOODevice is how well the model predicts one device's rows when they
// are left out of the fit.
type LOODevice struct {
	Device string // catalogue name
	Rows   []Row  // the device's predicted rows, predicted without them
	MAPE   float64
}

// LOOReport is the result of LeaveOneDeviceOut.
type LOOReport struct {
	Devices []LOODevice // sorted by name
	MAPE    float64     // over every held-out row
	Rows    int
}

// LeaveOneDeviceOut measures how well the model predicts a device nobody
// measured: for each device with predicted rows in pts, it fits the
// factors to every other device's rows, starting from the priors and
// dropping the device's own fitted factors (its rows then run on the
// engines' factors), and predicts the device's rows. Fits run in
// parallel; the result does not depend on their order.
func LeaveOneDeviceOut(c *Catalogue, w *workloads.Catalogue, pts []Point, opts FitOptions) (*LOOReport, error) {
	byDev := map[string][]Point{}
	for _, p := range pts {
		if j, _, err := resolve(c, w, p); err == nil {
			byDev[j.dev.Name] = append(byDev[j.dev.Name], p)
		}
	}
	names := slices.Sorted(maps.Keys(byDev))
	out := make([]LOODevice, len(names))
	errs := make([]error, len(names))
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(names))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := opts
				o.Leave, o.FromPrior = names[i], true
				res, err := Fit(c, w, pts, o)
				if err != nil {
					errs[i] = err
					continue
				}
				rep := Calibrate(res.Catalogue, w, byDev[names[i]])
				d := LOODevice{Device: names[i], MAPE: rep.MAPE}
				for _, r := range rep.Rows {
					if r.Supported() {
						d.Rows = append(d.Rows, r)
					}
				}
				out[i] = d
			}
		}()
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rep := &LOOReport{Devices: out}
	var sum float64
	for _, d := range out {
		for _, r := range d.Rows {
			sum += math.Abs(r.Error)
			rep.Rows++
		}
	}
	if rep.Rows > 0 {
		rep.MAPE = sum / float64(rep.Rows)
	}
	return rep, nil
}
