package results

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestQuantile checks the interpolation against values worked by hand (and
// equal to numpy.quantile(x, p) with its default method="linear").
func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		x    []float64
		p    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{7}, 0, 7},
		{[]float64{7}, 0.99, 7},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},         // h = 1.5
		{[]float64{1, 2, 3, 4}, 0.95, 3.85},       // h = 2.85: 3 + 0.85·1
		{[]float64{1, 2, 3, 4}, 0.99, 3.97},       // h = 2.97
		{[]float64{1, 2, 3, 4, 5}, 0.5, 3},        // h = 2, exact
		{[]float64{10, 20, 30, 40, 50}, 0.95, 48}, // h = 3.8: 40 + 0.8·10
		{[]float64{10, 20, 30, 40, 50}, 0.99, 49.6},
		{[]float64{0, 100}, 0.25, 25},
		{[]float64{1, 2, 3}, 1, 3},
		{[]float64{1, 2, 3}, 0, 1},
		{[]float64{math.Inf(1), math.Inf(1)}, 0.5, math.Inf(1)},
	} {
		got := Quantile(tc.x, tc.p)
		if math.Abs(got-tc.want) > 1e-12 && got != tc.want {
			t.Errorf("Quantile(%v, %v) = %v, want %v", tc.x, tc.p, got, tc.want)
		}
	}
}

func TestQuantilePanics(t *testing.T) {
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quantile(p=%v) did not panic", p)
				}
			}()
			Quantile([]float64{1}, p)
		}()
	}
}

func TestSummarize(t *testing.T) {
	// Ten tasks of "a", latencies 1..10 s shuffled, interleaved with "b".
	lat := []float64{3, 10, 1, 7, 5, 2, 9, 4, 8, 6}
	var tasks []Task
	for i, l := range lat {
		place := "local"
		if i%5 == 0 {
			place = "cloud"
		} else if i%2 == 0 {
			place = "edge-0"
		}
		tasks = append(tasks,
			Task{ID: int64(i), Policy: "a", Place: place, Latency: l, Energy: float64(i) * 0.5, Deadline: 6, Met: l <= 6},
			Task{ID: int64(i), Policy: "b", Place: "local", Latency: 100, Energy: 1000, Met: false},
		)
	}
	got := Summarize("a", tasks)
	want := PolicySummary{
		Policy:       "a",
		Tasks:        10,
		MeanLatency:  5.5,
		P50Latency:   5.5,  // h = 4.5 between 5 and 6
		P95Latency:   9.55, // h = 8.55 between 9 and 10
		P99Latency:   9.91, // h = 8.91
		DeadlineMiss: 0.4,  // 7, 8, 9, 10 miss a 6 s deadline
		MeanEnergy:   2.25, // 0.5·(0+…+9)/10
		TotalEnergy:  22.5,
		// i = 0, 5 cloud; 2, 4, 6, 8 edge-0; 1, 3, 7, 9 local.
		PlaceFractions: map[string]float64{"cloud": 0.2, "edge-0": 0.4, "local": 0.4},
	}
	const tol = 1e-12
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"mean latency", got.MeanLatency, want.MeanLatency},
		{"p50", got.P50Latency, want.P50Latency},
		{"p95", got.P95Latency, want.P95Latency},
		{"p99", got.P99Latency, want.P99Latency},
		{"miss", got.DeadlineMiss, want.DeadlineMiss},
		{"mean energy", got.MeanEnergy, want.MeanEnergy},
		{"total energy", got.TotalEnergy, want.TotalEnergy},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got.Policy != want.Policy || got.Tasks != want.Tasks {
		t.Errorf("policy, tasks = %q, %d; want %q, %d", got.Policy, got.Tasks, want.Policy, want.Tasks)
	}
	if !reflect.DeepEqual(got.PlaceFractions, want.PlaceFractions) {
		t.Errorf("place fractions = %v, want %v", got.PlaceFractions, want.PlaceFractions)
	}
	// The input is not reordered.
	if tasks[0].Latency != 3 || tasks[2].Latency != 10 {
		t.Error("Summarize reordered its input")
	}
}

func TestSummarizeEmpty(t *testing.T) {
	for _, tasks := range [][]Task{nil, {{Policy: "other", Latency: 1}}} {
		s := Summarize("a", tasks)
		if s.Policy != "a" || s.Tasks != 0 || s.MeanLatency != 0 || s.P50Latency != 0 || s.P95Latency != 0 ||
			s.P99Latency != 0 || s.DeadlineMiss != 0 || s.MeanEnergy != 0 || s.TotalEnergy != 0 {
			t.Errorf("empty summary = %+v, want zeros", s)
		}
		if s.PlaceFractions == nil || len(s.PlaceFractions) != 0 {
			t.Errorf("empty place fractions = %#v, want an empty map", s.PlaceFractions)
		}
		var buf bytes.Buffer
		if err := WriteSummaryJSON(&buf, Summary{Policies: []PolicySummary{s}}); err != nil {
			t.Fatalf("empty summary does not encode: %v", err)
		}
		if !strings.Contains(buf.String(), `"place_fractions": {}`) {
			t.Errorf("empty place fractions encode as\n%s", buf.String())
		}
	}
}

func TestPoliciesAndSummarizeAll(t *testing.T) {
	tasks := []Task{{Policy: "z"}, {Policy: "a"}, {Policy: "z"}, {Policy: "m"}}
	if got, want := Policies(tasks), []string{"z", "a", "m"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Policies = %v, want %v", got, want)
	}
	all := SummarizeAll(tasks, nil)
	if len(all) != 3 || all[0].Policy != "z" || all[0].Tasks != 2 || all[2].Policy != "m" {
		t.Errorf("SummarizeAll(nil) = %+v", all)
	}
	some := SummarizeAll(tasks, []string{"m", "missing"})
	if len(some) != 2 || some[0].Tasks != 1 || some[1].Tasks != 0 {
		t.Errorf("SummarizeAll(m, missing) = %+v", some)
	}
}

func TestWriteSummaryJSON(t *testing.T) {
	s := Summary{
		Experiment: "a<b>&c",
		Seed:       42,
		Duration:   60,
		Policies: []PolicySummary{{
			Policy: "greedy", Tasks: 2, MeanLatency: 0.25, P50Latency: 0.25, P95Latency: 0.3, P99Latency: 0.31,
			DeadlineMiss: 0.5, MeanEnergy: 1.5, TotalEnergy: 3,
			PlaceFractions: map[string]float64{"local": 0.5, "edge-0": 0.5},
		}},
	}
	var buf bytes.Buffer
	if err := WriteSummaryJSON(&buf, s); err != nil {
		t.Fatal(err)
	}
	want := `{
  "experiment": "a<b>&c",
  "seed": 42,
  "duration_s": 60,
  "policies": [
    {
      "policy": "greedy",
      "tasks_completed": 2,
      "tasks_refused": 0,
      "frames_dropped": 0,
      "mean_latency_s": 0.25,
      "p50_latency_s": 0.25,
      "p95_latency_s": 0.3,
      "p99_latency_s": 0.31,
      "deadline_miss_rate": 0.5,
      "mean_energy_j": 1.5,
      "total_energy_j": 3,
      "place_fractions": {
        "edge-0": 0.5,
        "local": 0.5
      },
      "tasks_forwarded": 0,
      "handovers": 0,
      "by_kind": null,
      "dag_jobs": 0,
      "mean_dag_slowdown": 0,
      "llm_tasks": 0,
      "mean_ttft_s": 0,
      "p95_ttft_s": 0,
      "mean_tpot_s": 0,
      "p95_tpot_s": 0,
      "ttft_slo_miss_rate": 0,
      "tpot_slo_miss_rate": 0
    }
  ]
}
`
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	var back Summary
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("decode: %v, %+v", err, back)
	}
}

func TestWriteSummaryJSONRefusesNaN(t *testing.T) {
	var buf bytes.Buffer
	err := WriteSummaryJSON(&buf, Summary{Policies: []PolicySummary{{MeanLatency: math.NaN()}}})
	if err == nil {
		t.Fatal("NaN encoded without error")
	}
	if buf.Len() != 0 {
		t.Errorf("partial output on error: %q", buf.String())
	}
}

// TestSummarizeLLMAndRefused checks the LLM figures and that refused
// tasks count as missed but not in the latency statistics.
func TestSummarizeLLMAndRefused(t *testing.T) {
	tasks := []Task{
		{Policy: "p", Kind: "llm", Status: StatusOK, Latency: 2, Met: true, TTFT: 0.5, TPOT: 0.05, TTFTMet: true, TPOTMet: true},
		{Policy: "p", Kind: "llm", Status: StatusOK, Latency: 4, Met: false, TTFT: 1.5, TPOT: 0.15, TTFTMet: false, TPOTMet: true},
		{Policy: "p", Kind: "vision", Status: StatusOK, Latency: 0.03, Met: true, TTFTMet: true, TPOTMet: true},
		{Policy: "p", Kind: "llm", Status: StatusNoMemory},
	}
	s := Summarize("p", tasks)
	if s.Tasks != 3 || s.Refused != 1 || s.LLMTasks != 2 {
		t.Fatalf("counts: %d done, %d refused, %d llm", s.Tasks, s.Refused, s.LLMTasks)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"mean latency", s.MeanLatency, (2 + 4 + 0.03) / 3},
		{"deadline miss", s.DeadlineMiss, 2.0 / 4}, // one late, one refused, of four
		{"mean ttft", s.MeanTTFT, 1},
		{"p95 ttft", s.P95TTFT, 0.5 + 0.95*(1.5-0.5)},
		{"mean tpot", s.MeanTPOT, 0.1},
		{"ttft slo miss", s.TTFTSLOMiss, 0.5},
		{"tpot slo miss", s.TPOTSLOMiss, 0},
	} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestSummarizeByKind checks the per-kind breakdown: counts, refusals
// (a dropped frame among them), mean and miss rates of each kind.
func TestSummarizeByKind(t *testing.T) {
	tasks := []Task{
		{Policy: "p", Kind: "vision", Status: StatusOK, Latency: 0.01, Met: true},
		{Policy: "p", Kind: "vision", Status: StatusOK, Latency: 0.03, Met: false},
		{Policy: "p", Kind: "vision", Status: StatusDropped},
		{Policy: "p", Kind: "dag", Status: StatusOK, Latency: 2, Met: true, Slowdown: 0.5},
	}
	s := Summarize("p", tasks)
	v, d := s.ByKind["vision"], s.ByKind["dag"]
	if v.Tasks != 2 || v.Refused != 1 || math.Abs(v.MeanLatency-0.02) > 1e-12 || math.Abs(v.MissRate-2.0/3) > 1e-12 {
		t.Errorf("vision: %+v", v)
	}
	if d.Tasks != 1 || d.MeanLatency != 2 || d.MissRate != 0 || s.DAGJobs != 1 || s.MeanSlowdown != 0.5 || s.Dropped != 1 {
		t.Errorf("dag: %+v, jobs %d, slowdown %v, dropped %d", d, s.DAGJobs, s.MeanSlowdown, s.Dropped)
	}
}
