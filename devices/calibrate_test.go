package devices

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mecsim/mecsim/workloads"
)

// toyData is a catalogue with round numbers for hand computation: a phone
// of 100 GB/s whose processors each reach half of it alone and 0.8
// together, and one engine on all three.
const toyData = `
[[device]]
name = "toy-phone"
class = "phone"
soc = "Toy SoC"
aliases = ["Toy Phone (Toy SoC)", "Toy Phone, 1 core"]
memory_gb = 16
usable_memory = 0.5
bandwidth_gbs = 100
pair_share = 0.8
base_power_w = 1
source = "test"
  [device.alias_processor]
  "Toy Phone, 1 core" = "cpu-1core"
  [[device.processor]]
  name = "cpu-1core"
  kind = "cpu"
  tops = { fp32 = 0.025 }
  bw_share = 0.35
  active_w = 1
  [[device.processor]]
  name = "cpu"
  kind = "cpu"
  tops = { fp32 = 0.1 }
  bw_share = 0.5
  active_w = 4
  [[device.processor]]
  name = "gpu"
  kind = "gpu"
  tops = { fp16 = 2 }
  bw_share = 0.5
  active_w = 5
  idle_w = 0.1
  [[device.processor]]
  name = "npu"
  kind = "npu"
  tops = { fp16 = 10, int8 = 20 }
  bw_share = 0.5
  active_w = 2
  idle_w = 0.05

[[engine]]
name = "toy"
source = "test"
sync_us = 10
slow_sync_us = 400
syncs_per_layer = 7
  [[engine.on]]
  kind = "npu"
  dtype = "fp16"
  compute_eff = 0.5
  mem_eff = 0.8
  activation_traffic = 1
  call_overhead_ms = 0.5
  token_overhead_ms = 2
  chunk_tokens = 128
  chunk_overhead_ms = 10
  static_kv = true
  [[engine.on]]
  kind = "gpu"
  dtype = "fp16"
  compute_eff = 0.5
  mem_eff = 1
  activation_traffic = 2
  call_overhead_ms = 0.1
  token_overhead_ms = 1
  [[engine.on]]
  kind = "cpu"
  dtype = "fp32"
  compute_eff = 0.4
  mem_eff = 0.5
  activation_traffic = 2
  call_overhead_ms = 1

[[engine]]
name = "sparse"
source = "test"
unsupported = "sparsity"

[[unmodelled]]
name = "some simulated chip"
reason = "simulated"
`

func toyCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	c, err := LoadCatalogue(fstest.MapFS{"data/toy.toml": {Data: []byte(toyData)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func defaultWorkloads(t *testing.T) *workloads.Catalogue {
	t.Helper()
	w, err := workloads.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// toyPoint is a row on the toy phone; fields not given are those of a
// decode of Llama-3.2-1B at W4A16 on the NPU at 1000 tokens of context.
func toyPoint(id string, edit func(*Point)) Point {
	p := Point{ID: id, Source: "test", Device: "Toy Phone (Toy SoC)", Processor: "npu", Engine: "toy",
		Model: "Llama-3.2-1B-Instruct", Quant: "w4a16", Phase: "decode", Tokens: 1000, Batch: 1,
		Metric: MetricTokensPerS, Value: 1}
	if edit != nil {
		edit(&p)
	}
	return p
}

// Llama-3.2-1B (llms.csv): 16 layers, hidden 2048, 32 heads and 8 KV heads
// of 64, FFN 8192 (gated), vocabulary 128256, tied. Its matmul weights are
//
//	N_mm = 16·(2048·2048 + 2·2048·512 + 2048·2048 + 3·2048·8192) + 128256·2048
//	     = 16·60,817,408 + 262,668,288 = 1,235,746,816,
//
// 695,107,584 bytes at W4A16's 4.5 bits, and a token adds 2·16·512·2 =
// 32,768 bytes of fp16 KV cache.
const (
	llama1BWeightBytes = 695_107_584.0
	llama1BKVPerToken  = 32_768.0
	llama1BMatmul      = 1_235_746_816.0
)

// TestCalibrateHandComputed checks predictions worked out by hand from the
// formulas of cost.go on the toy phone.
func TestCalibrateHandComputed(t *testing.T) {
	c, w := toyCatalogue(t), defaultWorkloads(t)
	const npuBW = 100e9 * 0.5 * 0.8 // bytes/s the NPU streams: 40 GB/s
	// One decode step at 1000 tokens of context: weights and 1000 tokens
	// of KV over 40 GB/s (the 2.6 GFLOP of compute take 0.5 ms at 5 TFLOPS,
	// so memory binds), plus the 2 ms per-token overhead.
	step := (llama1BWeightBytes+1000*llama1BKVPerToken)/npuBW + 2e-3 // 20.1968896 ms
	// Prefill of 200 tokens in chunks of 128: padded to 256 tokens,
	// 2·N_mm·256 + 2·16·2048·256·257 operations at 5 TFLOPS, plus two chunk
	// overheads of 10 ms. (Reading the weights twice, 1.39 GB, takes 35 ms
	// at 40 GB/s: compute binds.)
	prefill := (2*llama1BMatmul*256+2*16*2048*256*257)/5e12 + 2*10e-3 // 147.40 ms
	tests := []struct {
		name string
		p    Point
		want float64
	}{
		{"decode tokens/s", toyPoint("d1", nil), 1 / step},
		{"decode ms/token", toyPoint("d2", func(p *Point) { p.Metric = MetricMSPerToken }), 1e3 * step},
		{"decode J/token", toyPoint("d3", func(p *Point) { p.Metric = MetricJPerToken }), 2 * step},
		{"decode of 3 tokens, ms_total", toyPoint("d4", func(p *Point) {
			p.Metric, p.Notes = MetricMSTotal, "decode of ~3 tokens (midpoint)"
		}), 1e3 * ((3*llama1BWeightBytes+(1000+1001+1002)*llama1BKVPerToken)/npuBW + 3*2e-3)},
		{"prefill ms_total", toyPoint("p1", func(p *Point) {
			p.Phase, p.Tokens, p.Metric = "prefill", 200, MetricMSTotal
		}), 1e3 * prefill},
		{"prefill tokens/s", toyPoint("p2", func(p *Point) {
			p.Phase, p.Tokens = "prefill", 200
		}), 200 / prefill},
		// MobileNetV2 on the single core the alias names, fp32: 600 MOP at
		// 0.025 TFLOPS × 0.4, against 3.47 M params × 4 bytes and 6.9 MB of
		// feature maps × 4 bytes × 2 (written and read) over 100 GB/s × 0.35
		// × 0.5; compute binds. Plus 1 ms per call.
		{"vision on the alias's processor", toyPoint("v1", func(p *Point) {
			p.Device, p.Processor, p.Model, p.Quant, p.Phase, p.Tokens, p.Metric =
				"Toy Phone, 1 core", "cpu", "MobileNetV2", "FP32", "image", 0, MetricMSPerImage
		}), 1e3 * (600e6/(0.025e12*0.4) + 1e-3)},
		// An image of 3 crops in batches of 2 on the NPU, fp16: a batch
		// reads the 3.47 M weights once and each crop's 6,896,776 bytes of
		// feature maps (× 2 bytes, traffic 1) over 40 GB/s, which binds
		// (the 0.6 GOP a crop takes 0.12 ms at 5 TFLOPS); 0.5 ms per call.
		{"vision in batches", toyPoint("v2", func(p *Point) {
			p.Model, p.Quant, p.Phase, p.Tokens, p.Batch, p.Metric, p.Notes =
				"MobileNetV2", "fp16", "image", 0, 2, MetricMSPerImage, "1024x512 image = 3 crops"
		}), 1e3 * ((3.47e6*2+2*6896776*2)/npuBW + 0.5e-3 + (3.47e6*2+6896776*2)/npuBW + 0.5e-3)},
		// A GEMV of 4096×4096 4-bit weights (4.5 bits: 9,437,184 bytes)
		// and 2·4096 fp16 activations and results over 50 GB/s, plus 0.1 ms.
		{"kernel", toyPoint("k1", func(p *Point) {
			p.Processor, p.Model, p.Quant, p.Phase, p.Tokens, p.Metric =
				"gpu", "matmul W[4096x4096] x A[4096x1]", "W4A16", "kernel", 1, MetricMSPerKernel
		}), 1e3 * ((4096*4096*4.5/8+2*4096*2)/50e9 + 0.1e-3)},
		{"bandwidth of one processor", toyPoint("b1", func(p *Point) {
			p.Processor, p.Model, p.Metric = "edge-gpu", "memory-bound decode workload", MetricGBPerS
		}), 50},
		// GPU 50 + NPU 40 GB/s alone, capped at 0.8 × 100 together.
		{"bandwidth of the pair", toyPoint("b2", func(p *Point) {
			p.Processor, p.Model, p.Metric = "gpu+npu", "memory-bound decode workload", MetricGBPerS
		}), 80},
		{"power", toyPoint("w1", func(p *Point) { p.Metric = MetricWatts }), 2},
	}
	var pts []Point
	for _, tt := range tests {
		pts = append(pts, tt.p)
	}
	rep := Calibrate(c, w, pts)
	for i, tt := range tests {
		r := rep.Rows[i]
		if !r.Supported() {
			t.Errorf("%s: unsupported: %s", tt.name, r.Unsupported)
			continue
		}
		if math.Abs(r.Predicted-tt.want) > 1e-9*tt.want {
			t.Errorf("%s: predicted %.9g, want %.9g", tt.name, r.Predicted, tt.want)
		}
		if wantErr := (r.Predicted - r.Value) / r.Value; r.Error != wantErr {
			t.Errorf("%s: error %v, want %v", tt.name, r.Error, wantErr)
		}
	}
	if rep.Predicted != len(tests) || rep.Coverage != 1 {
		t.Errorf("predicted %d rows, coverage %v; want %d and 1", rep.Predicted, rep.Coverage, len(tests))
	}
}

// TestCalibrateCoExec checks that a gpu+npu row is predicted by CoExec with
// the engine's synchronisation, slow when the notes say so.
func TestCalibrateCoExec(t *testing.T) {
	c, w := toyCatalogue(t), defaultWorkloads(t)
	l, err := w.LLM("llama-3.2-1b")
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.Quant("w4a16")
	if err != nil {
		t.Fatal(err)
	}
	pts := []Point{
		toyPoint("fast", func(p *Point) { p.Processor, p.Phase, p.Tokens = "gpu+npu", "prefill", 256 }),
		toyPoint("slow", func(p *Point) {
			p.Processor, p.Phase, p.Tokens, p.Notes = "gpu+npu", "prefill", 256, "Hetero-tensor WITHOUT fast sync (clFinish ~400us)"
		}),
		toyPoint("decode", func(p *Point) { p.Processor = "gpu+npu" }),
	}
	rep := Calibrate(c, w, pts)
	for i, c := range []struct {
		sync    float64
		prefill bool
	}{{7 * 10e-6, true}, {7 * 400e-6, true}, {7 * 10e-6, false}} {
		co, err := toyCatalogue(t).CoExec("toy-phone", "toy", c.sync)
		if err != nil {
			t.Fatal(err)
		}
		want := 1 / co.DecodeSplit(l, q, 1000).Seconds
		if c.prefill {
			want = 256 / co.PrefillSplit(l, q, 256).Seconds
		}
		if r := rep.Rows[i]; !r.Supported() || math.Abs(r.Predicted-want) > 1e-9*want {
			t.Errorf("%s: predicted %v (%s), want %v", r.ID, r.Predicted, r.Unsupported, want)
		}
	}
	if !(rep.Rows[1].Predicted < rep.Rows[0].Predicted) {
		t.Errorf("slow synchronisation %v tok/s, not slower than fast %v", rep.Rows[1].Predicted, rep.Rows[0].Predicted)
	}
}

// TestCalibrateUnsupported checks that rows that do not resolve are kept,
// counted and explained.
func TestCalibrateUnsupported(t *testing.T) {
	c, w := toyCatalogue(t), defaultWorkloads(t)
	tests := []struct {
		p     Point
		cause string
		says  string
	}{
		{toyPoint("u1", func(p *Point) { p.Device = "Phone From Mars" }), CauseDevice, "unknown device"},
		{toyPoint("u2", func(p *Point) { p.Device = "Some Simulated Chip" }), CauseDevice, "simulated"},
		{toyPoint("u3", func(p *Point) { p.Engine = "sparse" }), CauseEngine, "sparsity"},
		{toyPoint("u4", func(p *Point) { p.Engine = "warp-drive" }), CauseEngine, "unknown engine"},
		{toyPoint("u5", func(p *Point) { p.Processor = "tpu" }), CauseProcessor, "unknown processor"},
		{toyPoint("u6", func(p *Point) { p.Metric = "furlongs" }), CauseMetric, "unknown metric"},
		{toyPoint("u7", func(p *Point) { p.Model = "Mamba-2" }), CauseModel, "state-space"},
		{toyPoint("u8", func(p *Point) { p.Quant = "4-bit" }), CauseQuant, "without a scheme"},
		{toyPoint("u9", func(p *Point) { p.Phase = "image" }), CauseMetric, "phase"},
		{toyPoint("u10", func(p *Point) { p.Metric = MetricMSTotal }), CauseMetric, "how many tokens"},
		{toyPoint("u11", func(p *Point) { p.Batch = 8 }), CauseMetric, "batched"},
		{toyPoint("u12", func(p *Point) { p.Metric = MetricMSPerImage }), CauseMetric, "does not apply"},
	}
	pts := []Point{toyPoint("ok", nil)}
	for _, tt := range tests {
		pts = append(pts, tt.p)
	}
	rep := Calibrate(c, w, pts)
	for i, tt := range tests {
		r := rep.Rows[i+1]
		if r.Supported() || r.Cause != tt.cause || !strings.Contains(r.Unsupported, tt.says) {
			t.Errorf("%s: cause %q, reason %q; want cause %q and a reason saying %q", r.ID, r.Cause, r.Unsupported, tt.cause, tt.says)
		}
	}
	if rep.Predicted != 1 || rep.Unsupported != len(tests) {
		t.Errorf("%d predicted, %d unsupported; want 1 and %d", rep.Predicted, rep.Unsupported, len(tests))
	}
	if want := 1 / float64(len(pts)); rep.Coverage != want {
		t.Errorf("coverage %v, want %v", rep.Coverage, want)
	}
	// Rows whose device or model the catalogues lack do not count against
	// the coverage of the catalogue: u1, u2 (device) and u7 (model).
	if want := 1 / float64(len(pts)-3); math.Abs(rep.CatalogueCoverage-want) > 1e-12 {
		t.Errorf("catalogue coverage %v, want %v", rep.CatalogueCoverage, want)
	}
}

func TestReadPointsErrors(t *testing.T) {
	header := strings.Join(PointColumns, ",")
	row := "X-1,src,dev,npu,qnn,model,w4a16,decode,128,1,tokens_per_s,12.5,note"
	tests := []struct {
		name, table string
		line        int
		column      string
	}{
		{"empty", "", 1, ""},
		{"missing column", strings.Replace(header, ",notes", "", 1) + "\n" + strings.Replace(row, ",note", "", 1), 1, "notes"},
		{"unknown column", header + ",split\n" + row + ",x", 1, "split"},
		{"repeated column", header + ",id\n" + row + ",x", 1, "id"},
		{"short row", header + "\n" + row + "\nX-2,src", 3, ""},
		{"value not a number", header + "\n" + strings.Replace(row, "12.5", "fast", 1), 2, "value"},
		{"negative value", header + "\n" + strings.Replace(row, "12.5", "-1", 1), 2, "value"},
		{"infinite value", header + "\n" + strings.Replace(row, "12.5", "Inf", 1), 2, "value"},
		{"tokens not whole", header + "\n" + strings.Replace(row, ",128,", ",1.5,", 1), 2, "context_or_prompt_tokens"},
		{"batch zero", header + "\n" + strings.Replace(row, ",128,1,", ",128,0,", 1), 2, "batch"},
		{"empty device", header + "\n" + strings.Replace(row, ",dev,", ",,", 1), 2, "device"},
		{"repeated id", header + "\n" + row + "\n# a comment\n" + row, 4, "id"},
		{"no rows", header + "\n", 1, ""},
		{"bad quoting", header + "\n" + strings.Replace(row, "note", `"note`, 1), 2, ""},
	}
	for _, tt := range tests {
		_, err := ReadPoints(strings.NewReader(tt.table))
		var te *TableError
		if !errors.As(err, &te) || !IsTableError(err) {
			t.Errorf("%s: error %v, want a *TableError", tt.name, err)
			continue
		}
		if te.Line != tt.line || te.Column != tt.column {
			t.Errorf("%s: line %d column %q, want line %d column %q (%v)", tt.name, te.Line, te.Column, tt.line, tt.column, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("line %d", tt.line)) {
			t.Errorf("%s: %q does not name line %d", tt.name, err, tt.line)
		}
	}
	// Columns in another order, and a comment, are fine.
	reordered := "value,id,source,device,processor,engine,model,quant,phase,context_or_prompt_tokens,batch,metric,notes\n" +
		"# a comment\n" +
		"12.5,X-1,src,dev,npu,qnn,model,w4a16,decode,128,1,tokens_per_s,note\n"
	pts, err := ReadPoints(strings.NewReader(reordered))
	if err != nil || len(pts) != 1 || pts[0].Value != 12.5 || pts[0].Notes != "note" || pts[0].Line != 3 {
		t.Errorf("reordered columns: %+v, %v", pts, err)
	}
}

func TestShippedPoints(t *testing.T) {
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	// The dossier's table: 111 rows, each with its source.
	if len(pts) != 111 {
		t.Errorf("%d rows, want the dossier's 111", len(pts))
	}
	for _, p := range pts {
		if p.Source == "" {
			t.Errorf("%s (line %d) has no source", p.ID, p.Line)
		}
	}
}

// TestCalibrateShipped is the must-show of issue 3 on the shipped table:
// every row whose device and model the catalogues hold is predicted, the
// mean absolute percentage error is at most 15%, and no row is off by more
// than a factor of 2.
func TestCalibrateShipped(t *testing.T) {
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CalibrateDefault(pts)
	if err != nil {
		t.Fatal(err)
	}
	const (
		maxMAPE  = 0.15 // issue 3
		maxRatio = 2.0  // issue 3: no row off by more than 2×
	)
	if rep.CatalogueCoverage != 1 {
		for _, r := range rep.Rows {
			if !r.Supported() && r.InCatalogue {
				t.Errorf("%s: device and model known, yet unsupported: %s", r.ID, r.Unsupported)
			}
		}
	}
	if rep.MAPE > maxMAPE {
		t.Errorf("MAPE %.3f, want ≤ %.2f", rep.MAPE, maxMAPE)
	}
	for _, r := range rep.Rows {
		if !r.Supported() {
			continue
		}
		if ratio := r.Predicted / r.Value; ratio > maxRatio || ratio < 1/maxRatio {
			t.Errorf("%s on %s: predicted %.4g, measured %.4g: off by %.2f×", r.ID, r.Place, r.Predicted, r.Value, max(ratio, 1/ratio))
		}
	}
	t.Logf("MAPE %.3f over %d rows; coverage %.3f of all %d rows, %.3f of the %d in the catalogues",
		rep.MAPE, rep.Predicted, rep.Coverage, len(rep.Rows), rep.CatalogueCoverage, rep.InCatalogue)
	for _, g := range [][]Group{rep.ByProcessor, rep.ByEngine, rep.ByPhase} {
		for _, x := range g {
			t.Logf("  %-12s %3d rows  MAPE %.3f", x.Name, x.Rows, x.MAPE)
		}
	}
	for _, r := range rep.Worst(5) {
		t.Logf("  worst: %-8s %-36s %+.1f%%", r.ID, r.Place, 100*r.Error)
	}
}
