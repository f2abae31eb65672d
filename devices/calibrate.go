package devices

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mecsim/mecsim/workloads"
)

// Metrics a calibration table may measure.
const (
	MetricTokensPerS  = "tokens_per_s"  // prefill: prompt tokens per second; decode: 1 / time per step
	MetricMSPerToken  = "ms_per_token"  // decode: one step; prefill: the prompt's time per token
	MetricMSPerImage  = "ms_per_image"  // one image: the crops the notes name (else one input), in batches of the row's batch
	MetricMSPerKernel = "ms_per_kernel" // one matrix multiplication
	MetricMSTotal     = "ms_total"      // a whole prefill, or a whole decode of the tokens the notes name
	MetricWatts       = "W"             // power while working
	MetricJPerToken   = "J_per_token"   // processor energy per token
	MetricJTotal      = "J_total"       // processor energy of the whole phase
	MetricGBPerS      = "GB_per_s"      // the bandwidth the processor (or pair) reaches
)

// Metrics lists the metrics Calibrate predicts.
func Metrics() []string {
	return []string{MetricTokensPerS, MetricMSPerToken, MetricMSPerImage, MetricMSPerKernel, MetricMSTotal,
		MetricWatts, MetricJPerToken, MetricJTotal, MetricGBPerS}
}

// Why a row could not be predicted: the part of it that did not resolve.
const (
	CauseDevice    = "device"
	CauseProcessor = "processor"
	CauseEngine    = "engine"
	CauseModel     = "model"
	CauseQuant     = "quant"
	CauseMetric    = "metric"
)

// Row is one row of a calibration table with the model's prediction.
type Row struct {
	Point
	Place     string  // the placement predicted on, e.g. "galaxy-s24/npu@qnn"
	Predicted float64 // in the row's metric and unit; 0 when unsupported
	Error     float64 // (Predicted − Value) / Value
	// Unsupported says why the row could not be predicted; empty when it
	// was. Cause names the part that did not resolve (CauseDevice, …).
	Unsupported string
	Cause       string
	// InCatalogue reports whether the catalogues hold the row's device
	// and model (or the row needs no model, as a bandwidth does).
	InCatalogue bool
}

// Supported reports whether the row was predicted.
func (r *Row) Supported() bool { return r.Unsupported == "" }

// Group is the error of the predicted rows that share a processor, an
// engine or a phase.
type Group struct {
	Name string
	Rows int
	MAPE float64 // mean |Error|, a fraction
}

// Report is the model's prediction of a calibration table.
type Report struct {
	Rows []Row // in table order, unsupported rows included

	Predicted   int     // rows predicted
	Unsupported int     // rows that could not be
	MAPE        float64 // mean absolute percentage error over the predicted rows, as a fraction
	Coverage    float64 // Predicted / all rows, a fraction
	// InCatalogue counts the rows whose device and model the catalogues
	// hold; CatalogueCoverage is Predicted / InCatalogue.
	InCatalogue       int
	CatalogueCoverage float64

	ByProcessor, ByEngine, ByPhase []Group // sorted by name
}

// Calibrate predicts every row of pts with the cost model of c and the
// workloads of w, and scores the predictions. A row whose device,
// processor, engine, model, quantisation or metric does not resolve is
// reported as unsupported, with the reason, and counted; it never makes
// Calibrate fail.
func Calibrate(c *Catalogue, w *workloads.Catalogue, pts []Point) *Report {
	rep := &Report{Rows: make([]Row, len(pts))}
	for i, p := range pts {
		row := Row{Point: p, InCatalogue: inCatalogue(c, w, p)}
		j, cause, err := resolve(c, w, p)
		if err == nil {
			row.Place = j.place()
			row.Predicted, err = j.predict(catalogueFactors)
			if err != nil {
				cause = CauseMetric
			}
		}
		if err != nil {
			row.Predicted, row.Unsupported, row.Cause = 0, err.Error(), cause
		} else {
			row.Error = (row.Predicted - p.Value) / p.Value
		}
		rep.Rows[i] = row
	}
	rep.score()
	return rep
}

// CalibrateDefault predicts pts with the shipped catalogues: the
// embedded device profiles and engines (with their fitted factors) and
// the embedded workloads.
func CalibrateDefault(pts []Point) (*Report, error) {
	c, err := DefaultCatalogue()
	if err != nil {
		return nil, err
	}
	w, err := workloads.DefaultCatalogue()
	if err != nil {
		return nil, err
	}
	return Calibrate(c, w, pts), nil
}

func (rep *Report) score() {
	var sum float64
	by := [3]map[string][]float64{{}, {}, {}}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.InCatalogue || r.Supported() {
			rep.InCatalogue++
		}
		if !r.Supported() {
			rep.Unsupported++
			continue
		}
		rep.Predicted++
		e := math.Abs(r.Error)
		sum += e
		for k, name := range [3]string{r.Processor, strings.ToLower(r.Engine), r.Phase} {
			by[k][name] = append(by[k][name], e)
		}
	}
	if rep.Predicted > 0 {
		rep.MAPE = sum / float64(rep.Predicted)
	}
	if n := len(rep.Rows); n > 0 {
		rep.Coverage = float64(rep.Predicted) / float64(n)
	}
	if rep.InCatalogue > 0 {
		rep.CatalogueCoverage = float64(rep.Predicted) / float64(rep.InCatalogue)
	}
	groups := func(m map[string][]float64) []Group {
		var gs []Group
		for name, es := range m {
			var s float64
			for _, e := range es {
				s += e
			}
			gs = append(gs, Group{Name: name, Rows: len(es), MAPE: s / float64(len(es))})
		}
		slices.SortFunc(gs, func(a, b Group) int { return cmp.Compare(a.Name, b.Name) })
		return gs
	}
	rep.ByProcessor, rep.ByEngine, rep.ByPhase = groups(by[0]), groups(by[1]), groups(by[2])
}

// Worst returns the n predicted rows with the largest |Error|, largest
// first.
func (rep *Report) Worst(n int) []Row {
	var rows []Row
	for _, r := range rep.Rows {
		if r.Supported() {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(math.Abs(b.Error), math.Abs(a.Error)) })
	return rows[:min(n, len(rows))]
}

// inCatalogue reports whether the catalogues know the device and the
// model of p; a bandwidth row needs no model.
func inCatalogue(c *Catalogue, w *workloads.Catalogue, p Point) bool {
	if _, err := c.Device(p.Device); err != nil {
		return false
	}
	if p.Metric == MetricGBPerS {
		return true
	}
	_, _, err := w.Resolve(p.Model)
	return err == nil
}

// job is a resolved row: where it runs and what it runs.
type job struct {
	pt       Point
	dev      *Device
	proc     *Processor // one processor, or nil for a GPU+NPU pair
	gpu, npu *Processor // the pair
	eng      *Engine

	kind   workloads.Kind // "" for metrics that need no workload
	vision workloads.Model
	llm    workloads.LLM
	quant  workloads.Quant
	gemm   workloads.GEMM
	dtype  *DType // the vision model's arithmetic, when the row states it

	count          int  // inputs (crops) per image, or decode steps of a ms_total row
	slowSync       bool // co-execution without the engine's fast synchronisation
	layerPartition bool // co-execution by layers (HeteroInfer's Hetero-layer)
}

// factorSource returns the factors engine e reaches on processors of kind
// k of device d: the device's own if it has them, else the engine's.
type factorSource func(d *Device, e *Engine, k Kind) (Factors, error)

func catalogueFactors(d *Device, e *Engine, k Kind) (Factors, error) {
	if f, ok := d.Overrides[e.Name+"/"+string(k)]; ok {
		return f, nil
	}
	return e.For(k)
}

// Phrases of the notes column that say what a row measures.
var (
	// "768x1536 image = 9 patches (1 global+8 local)": one image is 9
	// inputs of the model.
	notesCrops = regexp.MustCompile(`(?i)=\s*(\d+)\s+(?:patches|crops)\b`)
	// "llama.cpp CPU decode of ~46 tokens": a ms_total decode row spans
	// 46 steps.
	notesSteps = regexp.MustCompile(`(?i)decode\s+(?:of\s+)?~?(\d+)\s+tokens`)
	// "WITHOUT fast sync (clFinish ~400us)": co-execution synchronised by
	// blocking calls.
	notesSlowSync = regexp.MustCompile(`(?i)without fast sync`)
	// "Hetero-layer": co-execution by whole layers.
	notesLayer = regexp.MustCompile(`(?i)hetero-layer`)
)

// maxDecodeSteps bounds the decode steps (and crops) a row's notes may
// name, so that a typo cannot make Calibrate loop for hours.
const maxDecodeSteps = 100_000

// resolve maps a row onto the catalogues, or says which part of it does
// not resolve and why.
func resolve(c *Catalogue, w *workloads.Catalogue, p Point) (*job, string, error) {
	j := &job{pt: p, count: 1}
	d, hint, err := c.ResolveDevice(p.Device)
	if err != nil {
		return nil, CauseDevice, err
	}
	j.dev = d
	e, err := c.Engine(p.Engine)
	if err != nil {
		return nil, CauseEngine, err
	}
	if e.Unsupported != "" {
		return nil, CauseEngine, fmt.Errorf("%w: engine %s: %s", ErrUnsupported, e.Name, e.Unsupported)
	}
	j.eng = e

	proc := strings.ToLower(p.Processor)
	switch proc {
	case "gpu+npu", "npu+gpu":
		if j.gpu, err = d.Processor(string(GPU)); err == nil {
			j.npu, err = d.Processor(string(NPU))
		}
		if err != nil {
			return nil, CauseProcessor, err
		}
		j.slowSync = notesSlowSync.MatchString(p.Notes)
		j.layerPartition = notesLayer.MatchString(p.Notes)
	case "cpu", "gpu", "npu", "edge-gpu":
		kind := Kind(strings.TrimPrefix(proc, "edge-"))
		if hint != "" {
			if hp, err := d.Processor(hint); err == nil && hp.Kind == kind {
				j.proc = hp
			}
		}
		if j.proc == nil {
			if j.proc, err = d.Processor(string(kind)); err != nil {
				return nil, CauseProcessor, err
			}
		}
	default:
		return nil, CauseProcessor, fmt.Errorf("unknown processor %q (want cpu, gpu, npu, edge-gpu or gpu+npu)", p.Processor)
	}
	for _, pr := range []*Processor{j.proc, j.gpu, j.npu} {
		if pr == nil {
			continue
		}
		if _, err := catalogueFactors(d, e, pr.Kind); err != nil {
			return nil, CauseEngine, err
		}
	}
	if !slices.Contains(Metrics(), p.Metric) {
		return nil, CauseMetric, fmt.Errorf("unknown metric %q (known: %s)", p.Metric, strings.Join(Metrics(), ", "))
	}
	if p.Metric == MetricGBPerS || (p.Metric == MetricWatts && j.proc != nil) {
		return j, "", nil // the processor's bandwidth or power: no workload needed
	}

	kind, name, err := w.Resolve(p.Model)
	if err != nil {
		return nil, CauseModel, err
	}
	j.kind = kind
	wantPhase := map[workloads.Kind][]string{
		workloads.KindVision: {"image"},
		workloads.KindLLM:    {"prefill", "decode"},
		workloads.KindGEMM:   {"kernel"},
	}[kind]
	if !slices.Contains(wantPhase, p.Phase) {
		return nil, CauseMetric, fmt.Errorf("phase %q of a %s workload (want %s)", p.Phase, kind, strings.Join(wantPhase, " or "))
	}
	switch kind {
	case workloads.KindVision:
		if j.vision, err = w.Model(name); err != nil {
			return nil, CauseModel, err
		}
		// An unstated precision runs in the engine's own data type.
		if q, err := w.ResolveQuant(p.Quant); err == nil {
			if dt, err := ParseDType(q.Compute); err == nil {
				j.dtype = &dt
			}
		}
		if m := notesCrops.FindStringSubmatch(p.Notes); m != nil {
			if j.count, _ = strconv.Atoi(m[1]); j.count < 1 || j.count > maxDecodeSteps {
				return nil, CauseMetric, fmt.Errorf("an image of %s crops: want 1 to %d", m[1], maxDecodeSteps)
			}
		}
		if j.proc == nil {
			return nil, CauseMetric, errors.New("vision models are not split between GPU and NPU")
		}
	case workloads.KindLLM:
		if j.llm, err = w.LLM(name); err != nil {
			return nil, CauseModel, err
		}
		if j.quant, err = w.ResolveQuant(p.Quant); err != nil {
			return nil, CauseQuant, err
		}
		if p.Batch != 1 {
			return nil, CauseMetric, fmt.Errorf("batch %d: batched LLM serving is not modelled", p.Batch)
		}
		if p.Phase == "prefill" && p.Tokens < 1 {
			return nil, CauseMetric, errors.New("a prefill row needs its prompt length")
		}
		if p.Phase == "decode" && (p.Metric == MetricMSTotal || p.Metric == MetricJTotal) {
			m := notesSteps.FindStringSubmatch(p.Notes)
			if m == nil {
				return nil, CauseMetric, fmt.Errorf("a decode %s row must say in its notes how many tokens it decodes (\"decode of ~46 tokens\")", p.Metric)
			}
			j.count, _ = strconv.Atoi(m[1])
			if j.count < 1 || j.count > maxDecodeSteps {
				return nil, CauseMetric, fmt.Errorf("a decode of %s tokens: want 1 to %d", m[1], maxDecodeSteps)
			}
		}
	case workloads.KindGEMM:
		if j.gemm, err = workloads.ParseGEMM(name); err != nil {
			return nil, CauseModel, err
		}
		if j.quant, err = w.ResolveQuant(p.Quant); err != nil {
			return nil, CauseQuant, err
		}
		if j.proc == nil {
			return nil, CauseMetric, errors.New("single kernels are not split between GPU and NPU")
		}
	}
	if _, err := j.predict(catalogueFactors); err != nil {
		return nil, CauseMetric, err
	}
	return j, "", nil
}

// place names the placement of the row.
func (j *job) place() string {
	if j.proc != nil {
		return fmt.Sprintf("%s/%s@%s", j.dev.Name, j.proc.Name, j.eng.Name)
	}
	return fmt.Sprintf("%s/%s+%s@%s", j.dev.Name, j.gpu.Name, j.npu.Name, j.eng.Name)
}

func (j *job) placement(src factorSource, p *Processor) (Placement, error) {
	f, err := src(j.dev, j.eng, p.Kind)
	if err != nil {
		return Placement{}, err
	}
	return Placement{Device: j.dev, Proc: p, Engine: j.eng, F: f}, nil
}

// predict returns the row's metric as the model predicts it with the
// factors of src.
func (j *job) predict(src factorSource) (float64, error) {
	p := j.pt
	if j.proc != nil {
		pl, err := j.placement(src, j.proc)
		if err != nil {
			return 0, err
		}
		if j.dtype != nil {
			pl.F.DType = *j.dtype
		}
		return j.predictOne(pl)
	}
	g, err := j.placement(src, j.gpu)
	if err != nil {
		return 0, err
	}
	n, err := j.placement(src, j.npu)
	if err != nil {
		return 0, err
	}
	ce, err := NewCoExec(g, n, j.eng.CoExecSync(j.slowSync))
	if err != nil {
		return 0, err
	}
	if j.layerPartition {
		ce.Partition = LayerPartition
	}
	if p.Metric == MetricGBPerS {
		return min(g.Bandwidth()+n.Bandwidth(), ce.PairBandwidth()) / 1e9, nil
	}
	var splits []Split
	switch p.Phase {
	case "prefill":
		splits = []Split{ce.PrefillSplit(j.llm, j.quant, p.Tokens)}
	case "decode":
		for i := range j.count {
			splits = append(splits, ce.DecodeSplit(j.llm, j.quant, p.Tokens+i))
		}
	}
	var t, e float64
	for _, s := range splits {
		t += s.Seconds
		e += ce.Energy(s)
	}
	return j.convert(t, e)
}

// predictOne predicts a row that runs on one processor.
func (j *job) predictOne(pl Placement) (float64, error) {
	p := j.pt
	switch p.Metric {
	case MetricGBPerS:
		return pl.Bandwidth() / 1e9, nil
	case MetricWatts:
		return pl.Power(), nil
	}
	var t float64
	switch j.kind {
	case workloads.KindVision:
		// The image's inputs (crops) in batches of the row's batch size.
		b := max(p.Batch, 1)
		t = float64(j.count/b) * pl.VisionBatch(j.vision, b)
		if rest := j.count % b; rest > 0 {
			t += pl.VisionBatch(j.vision, rest)
		}
	case workloads.KindGEMM:
		t = pl.Kernel(j.gemm, j.quant)
	case workloads.KindLLM:
		switch p.Phase {
		case "prefill":
			t = pl.Prefill(j.llm, j.quant, p.Tokens)
		case "decode":
			for i := range j.count {
				t += pl.Decode(j.llm, j.quant, p.Tokens+i)
			}
		}
	}
	return j.convert(t, pl.Power()*t)
}

// convert turns the seconds and joules of the row's work into its metric.
func (j *job) convert(t, e float64) (float64, error) {
	p := j.pt
	if !(t > 0) || math.IsInf(t, 0) {
		return 0, fmt.Errorf("no time predicted for %s (%v s)", p.ID, t)
	}
	// Tokens the work covers: the prompt, or the decode steps.
	tokens := float64(j.count)
	if p.Phase == "prefill" {
		tokens = float64(p.Tokens)
	}
	switch p.Metric {
	case MetricTokensPerS:
		if j.kind != workloads.KindLLM {
			break
		}
		return tokens / t, nil
	case MetricMSPerToken:
		if j.kind != workloads.KindLLM {
			break
		}
		return 1e3 * t / tokens, nil
	case MetricMSPerImage:
		if j.kind != workloads.KindVision {
			break
		}
		return 1e3 * t, nil
	case MetricMSPerKernel:
		if j.kind != workloads.KindGEMM {
			break
		}
		return 1e3 * t, nil
	case MetricMSTotal:
		return 1e3 * t, nil
	case MetricWatts:
		return e / t, nil
	case MetricJPerToken:
		if j.kind != workloads.KindLLM {
			break
		}
		return e / tokens, nil
	case MetricJTotal:
		return e, nil
	}
	return 0, fmt.Errorf("metric %s does not apply to a %s row (phase %s)", p.Metric, j.kind, p.Phase)
}
