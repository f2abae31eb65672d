package results

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSweepMetricsFollowPolicySummary: every number of a PolicySummary is
// a metric, named as in summary.json, with its value.
func TestSweepMetricsFollowPolicySummary(t *testing.T) {
	names := SweepMetrics()
	for _, want := range []string{"tasks_completed", "mean_latency_s", "p95_latency_s", "deadline_miss_rate", "mean_energy_j", "p95_ttft_s"} {
		if !slices.Contains(names, want) {
			t.Errorf("no metric %s in %v", want, names)
		}
	}
	s := PolicySummary{Tasks: 7, P95Latency: 0.25, MeanEnergy: 1.5, PlaceFractions: map[string]float64{"local": 1}}
	m := MetricsOf(s)
	for name, want := range map[string]float64{"tasks_completed": 7, "p95_latency_s": 0.25, "mean_energy_j": 1.5, "mean_latency_s": 0} {
		if got := m[slices.Index(names, name)]; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestSweepRowsRoundTrip(t *testing.T) {
	keys := []string{"phones.count", "radio.fading"}
	nm := len(SweepMetrics())
	metrics := make([]float64, nm)
	for i := range metrics {
		metrics[i] = math.Pi * float64(i) / 7
	}
	rows := []SweepRow{
		{Point: "00ff00ff00ff00ff", Values: []string{"10", "none"}, Replication: 0, Seed: math.MaxUint64, Policy: "local", Metrics: metrics},
		{Point: "00ff00ff00ff00ff", Values: []string{"10", "a,b \"q\""}, Replication: 1, Seed: 3, Policy: "cloud", Metrics: make([]float64, nm)},
	}
	var b1, b2 bytes.Buffer
	if err := WriteSweepRows(&b1, keys, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSweepRows(bytes.NewReader(b1.Bytes()), keys)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("round trip changed the rows:\n%+v\n%+v", got, rows)
	}
	if err := WriteSweepRows(&b2, keys, got); err != nil || !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Errorf("written again, the bytes differ (%v)", err)
	}

	text := b1.String()
	for _, tc := range []struct{ name, text, want string }{
		{"other keys", strings.Replace(text, "radio.fading", "radio.shadowing", 1), "header"},
		{"empty", "", "no header"},
		{"bad seed", strings.Replace(text, "18446744073709551615", "-1", 1), "line 2: seed"},
		{"bad metric", strings.Replace(text, ",local,0,", ",local,x,", 1), "line 2: tasks_completed"},
		{"short row", text + "a,b\n", "wrong number of fields"},
	} {
		if _, err := ReadSweepRows(strings.NewReader(tc.text), keys); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSweepAggregatesWriteEmptyCIs(t *testing.T) {
	nm := len(SweepMetrics())
	a := SweepAggregate{Point: "p", Values: []string{"1"}, Policy: "local", N: 1, Mean: make([]float64, nm), CI95: make([]float64, nm)}
	for i := range a.CI95 {
		a.CI95[i] = math.NaN()
	}
	var b bytes.Buffer
	if err := WriteSweepAggregates(&b, []string{"k"}, []SweepAggregate{a}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(lines[0], "point,k,policy,replications,tasks_completed_mean,tasks_completed_ci95,") {
		t.Errorf("header %s", lines[0])
	}
	if !strings.HasPrefix(lines[1], "p,1,local,1,0,,0,,") || strings.Contains(lines[1], "NaN") {
		t.Errorf("row %s", lines[1])
	}
}

// TestOpenLiveFolderConcurrently: processes opening one new folder at once
// (shards sharing it) all succeed and leave the folder and its marker,
// and no temporary folder.
func TestOpenLiveFolderConcurrently(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "shared")
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- OpenLiveFolder(dir) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
		t.Error(err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("left in the parent: %v", entries)
	}
}
