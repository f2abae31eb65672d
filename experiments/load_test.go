package experiments

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testKnown stands in for the catalogues and the policy registry.
var testKnown = Known{
	Models:     []string{"mobilenet-v2", "mobilenet-v3-large", "mobilenet-v3-small"},
	Processors: []string{"sd8gen3-cpu", "edge-t4", "cloud-a100"},
	Policies:   []string{"local", "edge-nearest", "cloud", "random", "greedy-latency"},
}

func TestParseMinimalFillsDefaults(t *testing.T) {
	got, err := Load("testdata/minimal.toml", testKnown)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Name:     "minimal",
		Seed:     1,
		Duration: 60 * time.Second,
		Policies: []string{"local", "cloud"},
		Area:     Area{Width: 1000, Height: 1000},
		Phones: Phones{Count: 10, Processor: "sd8gen3-cpu", TxPowerDBm: 23,
			TxPowerW: 1.3, RxPowerW: 1.0, IdlePowerW: 0.1, Mobility: "static", MinSpeed: 0.5, MaxSpeed: 1.5, MeanSpeed: 1, SpeedStdDev: 0.2, Alpha: 0.75, Step: time.Second},
		Radio: Radio{UplinkHz: 20e6, DownlinkHz: 20e6, NoiseDBmPerHz: -174,
			NoiseFigureDB: 0, BSPowerDBm: 43, MaxSpectralEff: 7.4063, HandoverHysteresis: 3, TimeToTrigger: 160 * time.Millisecond, Interruption: 50 * time.Millisecond, BackhaulLatency: 2 * time.Millisecond, BackhaulBandwidth: 10e9, LinkRefresh: 100 * time.Millisecond, PathLoss: "macro", CarrierGHz: 3.5, BSHeightM: 25, UEHeightM: 1.5, Fading: "none", RicianK: 10, Coherence: 10 * time.Millisecond, Scheduler: "equal", RBHz: 360e3},
		Edges: []Edge{{X: 500, Y: 500, Coverage: 500, Processor: "edge-t4", Servers: 1, Discipline: "fifo", WhenFull: "refused", Batch: 1, LLMBatch: 1}},
		Cloud: Cloud{WANLatency: 40 * time.Millisecond, WANBandwidth: 1e9,
			Processor: "cloud-a100", Servers: 64, LLMBatch: 1},
		Workloads:   []Workload{{Kind: "vision", Arrivals: "poisson", Model: "mobilenet-v2", Rate: 2, Deadline: 100 * time.Millisecond}},
		D2D:         D2D{Link: "wifi-direct-5g-20", RadiusM: 150, MinBattery: 0.2, MaxQueue: 2, Recluster: 10 * time.Second},
		Environment: EnvMecsim,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestParseKeepsExplicitValues checks that a key present in the file is
// never replaced by its default, even when its value is zero.
func TestParseKeepsExplicitValues(t *testing.T) {
	got, err := Load("testdata/full.toml", testKnown)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Name:     "full-example",
		Seed:     0,
		Duration: 150 * time.Second,
		Policies: []string{"local", "edge-nearest", "greedy-latency"},
		Area:     Area{Width: 2000, Height: 1500},
		Phones: Phones{Count: 250, Processor: "sd8gen3-cpu", TxPowerDBm: 0,
			TxPowerW: 2.5, RxPowerW: 0, IdlePowerW: 0, Mobility: "static", MinSpeed: 0.5, MaxSpeed: 1.5, MeanSpeed: 1, SpeedStdDev: 0.2, Alpha: 0.75, Step: time.Second},
		Radio: Radio{UplinkHz: 10e6, DownlinkHz: 40e6, NoiseDBmPerHz: -170.5,
			NoiseFigureDB: 7, BSPowerDBm: 0, MaxSpectralEff: 7.4063, HandoverHysteresis: 3, TimeToTrigger: 160 * time.Millisecond, Interruption: 50 * time.Millisecond, BackhaulLatency: 2 * time.Millisecond, BackhaulBandwidth: 10e9, LinkRefresh: 100 * time.Millisecond, PathLoss: "macro", CarrierGHz: 3.5, BSHeightM: 25, UEHeightM: 1.5, Fading: "none", RicianK: 10, Coherence: 10 * time.Millisecond, Scheduler: "equal", RBHz: 360e3},
		Edges: []Edge{
			{X: 0, Y: 1500, Coverage: 300, Processor: "edge-t4", Servers: 4, Discipline: "fifo", WhenFull: "refused", Batch: 1, LLMBatch: 1},
			{X: 1000, Y: 750, Coverage: 800, Processor: "cloud-a100", Servers: 2, Discipline: "fifo", WhenFull: "refused", Batch: 1, LLMBatch: 1},
		},
		Cloud: Cloud{WANLatency: 0, WANBandwidth: 5e8, Processor: "edge-t4", Servers: 8, LLMBatch: 1},
		Workloads: []Workload{
			{Kind: "vision", Arrivals: "poisson", Model: "mobilenet-v3-small", Rate: 0.5, Deadline: 250 * time.Millisecond},
			{Kind: "vision", Arrivals: "poisson", Model: "mobilenet-v3-large", Rate: 3, Deadline: time.Second},
		},
		D2D:         D2D{Link: "wifi-direct-5g-20", RadiusM: 150, MinBattery: 0.2, MaxQueue: 2, Recluster: 10 * time.Second},
		Environment: EnvMecsim,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// realKnown returns the names of the built-in catalogues and registry,
// against which the shipped experiment files must validate.
func realKnown(t *testing.T) Known {
	t.Helper()
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	return env.Known()
}

// TestShippedExperimentsValidate loads every experiment file in this
// folder against the real catalogues and builds its scenario.
func TestShippedExperimentsValidate(t *testing.T) {
	files, err := filepath.Glob("*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no experiment files found (%v)", err)
	}
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		c, err := Load(f, env.Known())
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := env.Scenario(c); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// rest completes a snippet into a valid file, after the snippet's lines so
// that their numbers stay as written.
const rest = `
[[edge]]
x_m = 1.0
y_m = 1.0

[[workload]]
model = "mobilenet-v2"
rate = 1.0
`

func TestParseRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string // the whole message, one problem per line
	}{{
		name: "unknown top-level key",
		src: `policies = ["local"]
polices = ["cloud"]
` + rest,
		want: `t.toml:2: polices: unknown key; did you mean "policies"?`,
	}, {
		name: "unknown key in a table",
		src: `policies = ["local"]
[phones]
count = 3
cuont = 4
` + rest,
		want: `t.toml:4: phones.cuont: unknown key; did you mean "count"?`,
	}, {
		name: "keys are case-sensitive",
		src: `policies = ["local"]
[phones]
Count = 3
` + rest,
		want: `t.toml:3: phones.Count: unknown key; did you mean "count"?`,
	}, {
		name: "unit suffix left out",
		src: `policies = ["local"]
[radio]
uplink_bandwidth = 10e6
` + rest,
		want: `t.toml:3: radio.uplink_bandwidth: unknown key; did you mean "uplink_bandwidth_hz"?`,
	}, {
		name: "unknown key in the second edge",
		src: `policies = ["local"]
[[edge]]
x_m = 1.0
y_m = 1.0
[[edge]]
x_m = 2.0
y_m = 2.0
antenna = "omni"
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`,
		want: `t.toml:8: edge[1].antenna: unknown key; known keys in [[edge]]: x_m, y_m, coverage_m, processor, servers, discipline, queue_limit, when_full, batch, llm_batch`,
	}, {
		name: "unknown table",
		src: `policies = ["local"]
[phone]
count = 3
` + rest,
		want: `t.toml:2: phone: unknown key; did you mean "phones"?`,
	}, {
		name: "unknown dotted key",
		src: `policies = ["local"]
phones.colour = "red"
` + rest,
		want: `t.toml:2: phones.colour: unknown key; known keys in [phones]: count, processor, extra_processors, tx_power_dbm, tx_power_w, rx_power_w, idle_power_w, mobility, min_speed_mps, max_speed_mps, pause, mean_speed_mps, speed_std_mps, alpha, step, trace`,
	}, {
		name: "unknown key in an inline table",
		src: `policies = ["local"]
area = { width_m = 10.0, depth_m = 3.0 }
edge = [ { x_m = 1.0, y_m = 1.0 } ]
workload = [ { model = "mobilenet-v2", rate = 1.0 } ]
`,
		want: `t.toml:2: area.depth_m: unknown key; known keys in [area]: width_m, height_m`,
	}, {
		name: "wrong type",
		src: `policies = ["local"]
[phones]
count = "ten"
` + rest,
		want: `t.toml:3: phones.count: expected integer, got string "ten"`,
	}, {
		name: "float for an integer",
		src: `policies = ["local"]
[phones]
count = 10.0
` + rest,
		want: `t.toml:3: phones.count: expected integer, got float 10`,
	}, {
		name: "every wrong type, each at its own line",
		src: `policies = ["local", 3]
[phones]
count = "ten"
tx_power_w = "high"
[[edge]]
x_m = "west"
y_m = 1.0
[[edge]]
x_m = 2.0
y_m = 2.0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`,
		want: `t.toml:1: policies[1]: expected string, got integer 3
t.toml:3: phones.count: expected integer, got string "ten"
t.toml:4: phones.tx_power_w: expected number, got string "high"
t.toml:6: edge[0].x_m: expected number, got string "west"`,
	}, {
		name: "table where an array of tables belongs",
		src: `policies = ["local"]
[edge]
x_m = 1.0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`,
		want: `t.toml:2: edge: expected array of tables ([[edge]]), got table`,
	}, {
		name: "bare number as a duration",
		src: `policies = ["local"]
duration = 60
` + rest,
		want: `t.toml:2: duration: expected a duration string with a unit, such as "60s", got integer 60 (a bare number would be nanoseconds)`,
	}, {
		name: "bad duration",
		src: `policies = ["local"]
[cloud]
wan_latency = "40 ms"
` + rest,
		want: `t.toml:3: cloud.wan_latency: invalid duration "40 ms": write a number with a unit, such as "90s", "1m30s" or "40ms"`,
	}, {
		name: "negative seed",
		src: `policies = ["local"]
seed = -1
` + rest,
		want: `t.toml:2: seed: must not be negative, got -1`,
	}, {
		name: "negative arrival rate",
		src: `policies = ["local"]
[[edge]]
x_m = 1.0
y_m = 1.0
[[workload]]
model = "mobilenet-v2"
rate = -1.0
`,
		want: `t.toml:7: workload[0].rate: must be > 0, got -1`,
	}, {
		name: "rate not a number",
		src: `policies = ["local"]
[[edge]]
x_m = 1.0
y_m = 1.0
[[workload]]
model = "mobilenet-v2"
rate = nan
[[workload]]
model = "mobilenet-v2"
rate = inf
`,
		want: `t.toml:7: workload[0].rate: must be finite and > 0, got NaN
t.toml:10: workload[1].rate: must be finite and > 0, got +Inf`,
	}, {
		name: "zero bandwidth",
		src: `policies = ["local"]
[radio]
uplink_bandwidth_hz = 0
` + rest,
		want: `t.toml:3: radio.uplink_bandwidth_hz: must be > 0, got 0`,
	}, {
		name: "zero count and servers are not defaulted",
		src: `policies = ["local"]
[phones]
count = 0
[[edge]]
x_m = 1.0
y_m = 1.0
servers = 0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
deadline = "0s"
`,
		want: `t.toml:3: phones.count: must be between 1 and 1000000, got 0
t.toml:7: edge[0].servers: must be at least 1, got 0
t.toml:11: workload[0].deadline: must be > 0, got 0s`,
	}, {
		name: "unknown model",
		src: `policies = ["local"]
[[edge]]
x_m = 1.0
y_m = 1.0
[[workload]]
model = "resnet50"
rate = 1.0
`,
		want: `t.toml:6: workload[0].model: unknown model "resnet50"; known models: mobilenet-v2, mobilenet-v3-large, mobilenet-v3-small`,
	}, {
		name: "unknown and repeated policies",
		src: `policies = [
  "local",
  "oracle",
  "local",
]
` + rest,
		want: `t.toml:3: policies[1]: unknown policy "oracle"; known policies: cloud, edge-nearest, greedy-latency, local, random
t.toml:4: policies[2]: policy "local" is listed twice (also policies[0])`,
	}, {
		name: "unknown processor",
		src: `policies = ["local"]
[cloud]
processor = "tpu-v5"
` + rest,
		want: `t.toml:3: cloud.processor: unknown processor "tpu-v5"; known processors: cloud-a100, edge-t4, sd8gen3-cpu`,
	}, {
		name: "missing required keys",
		src: `[[edge]]
y_m = 1.0
[[workload]]
model = "mobilenet-v2"
`,
		want: `t.toml:1: edge[0].x_m: missing required key (the site's position in m)
t.toml:3: workload[0].rate: missing required key (arrivals per second per phone)
t.toml: policies: missing required key; known policies: cloud, edge-nearest, greedy-latency, local, random`,
	}, {
		name: "no edges and no workloads",
		src: `policies = ["local"]
`,
		want: `t.toml: edge: at least one [[edge]] table is required
t.toml: workload: at least one [[workload]] table is required`,
	}, {
		name: "edge outside the area",
		src: `policies = ["local"]
[area]
width_m = 100.0
height_m = 50.0
[[edge]]
x_m = 100.0 # on the boundary: fine
y_m = 50.5
[[edge]]
x_m = -1.0
y_m = 0.0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`,
		want: `t.toml:7: edge[0].y_m: must be within the area, 0 to 50 (area.height_m), got 50.5
t.toml:9: edge[1].x_m: must be within the area, 0 to 100 (area.width_m), got -1`,
	}, {
		name: "ranges",
		src: `policies = ["local"]
[phones]
tx_power_dbm = 90.0
idle_power_w = -0.1
[radio]
noise_dbm_per_hz = -74.0
noise_figure_db = -3.0
[cloud]
wan_latency = "-5ms"
wan_bandwidth_bps = 0
` + rest,
		want: `t.toml:3: phones.tx_power_dbm: must be between -50 and 60, got 90
t.toml:4: phones.idle_power_w: must be >= 0, got -0.1
t.toml:6: radio.noise_dbm_per_hz: must be between -220 and -100, got -74
t.toml:7: radio.noise_figure_db: must be between 0 and 30, got -3
t.toml:9: cloud.wan_latency: must not be negative, got -5ms
t.toml:10: cloud.wan_bandwidth_bps: must be > 0, got 0`,
	}, {
		name: "name that escapes the results folder",
		src: `name = "../etc"
policies = ["local"]
` + rest,
		want: `t.toml:1: name: must be usable as a folder name (no slashes, not ".."), got "../etc"`,
	}, {
		name: "several errors at once",
		src: `policies = ["local", "oracle"]
colour = "blue"
[area]
width_m = -5.0
[radio]
uplink_bandwidth_hz = 0
[[edge]]
x_m = 1.0
y_m = 1.0
[[workload]]
model = "resnet50"
rate = -1.0
`,
		want: `t.toml:1: policies[1]: unknown policy "oracle"; known policies: cloud, edge-nearest, greedy-latency, local, random
t.toml:2: colour: unknown key; known top-level keys: name, seed, duration, policies, area, phones, radio, edge, cloud, workload, d2d, sweep, pareto, stale_state, decision_interval, priority, environment, reference, train, figure
t.toml:4: area.width_m: must be between 1 and 1e+06, got -5
t.toml:6: radio.uplink_bandwidth_hz: must be > 0, got 0
t.toml:11: workload[0].model: unknown model "resnet50"; known models: mobilenet-v2, mobilenet-v3-large, mobilenet-v3-small
t.toml:12: workload[0].rate: must be > 0, got -1`,
	}, {
		name: "negative decision interval",
		src: `policies = ["local"]
decision_interval = "-100ms"
` + rest,
		want: `t.toml:2: decision_interval: must not be negative (0 decides each task as it arises), got -100ms`,
	}, {
		name: "decision interval as a bare number",
		src: `policies = ["local"]
decision_interval = 100
` + rest,
		want: `t.toml:2: decision_interval: expected a duration string with a unit, such as "100s", got integer 100 (a bare number would be nanoseconds)`,
	}, {
		name: "decision interval longer than the run",
		src: `policies = ["local"]
duration = "10s"
decision_interval = "1m"
` + rest,
		want: `t.toml:3: decision_interval: must not exceed duration (10s), got 1m0s`,
	}, {
		name: "misspelt decision interval",
		src: `policies = ["local"]
decision_intervall = "100ms"
` + rest,
		want: `t.toml:2: decision_intervall: unknown key; did you mean "decision_interval"?`,
	}, {
		name: "unknown priority rule",
		src: `policies = ["local"]
decision_interval = "100ms"
priority = "heft"
` + rest,
		want: `t.toml:3: priority: unknown priority "heft" (known: rank, fifo)`,
	}, {
		name: "priority without slots",
		src: `policies = ["local"]

priority = "fifo"
` + rest,
		want: `t.toml:3: priority: orders the tasks waiting at a slot boundary: set decision_interval too (or leave priority out)`,
	}, {
		name: "priority of the wrong type",
		src: `policies = ["local"]
decision_interval = "100ms"
priority = 1
` + rest,
		want: `t.toml:3: priority: expected string, got integer 1`,
	}, {
		name: "syntax error",
		src: `policies = ["local"]
[phones]
count = 
` + rest,
		want: `t.toml:3: syntax error: expected value but found '\n' instead`,
	}, {
		name: "duplicate key",
		src: `policies = ["local"]
[phones]
count = 3
count = 4
` + rest,
		want: `t.toml:4: syntax error: Key 'phones.count' has already been defined.`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("t.toml", []byte(tc.src), testKnown)
			if err == nil {
				t.Fatalf("no error; got %+v", c)
			}
			if c != nil {
				t.Errorf("got a config with the error")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if !IsInputError(err) {
				t.Errorf("IsInputError(%v) = false", err)
			}
			if !IsInputError(fmt.Errorf("wrapped: %w", err)) {
				t.Errorf("IsInputError is false through wrapping")
			}
			var es InputErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not a non-empty InputErrors: %#v", err)
			}
			for _, e := range es {
				if e.File != "t.toml" {
					t.Errorf("File = %q, want t.toml", e.File)
				}
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	for _, path := range []string{
		filepath.Join("testdata", "no-such-file.toml"),
		"testdata", // a directory
	} {
		_, err := Load(path, testKnown)
		if err == nil {
			t.Fatalf("Load(%q): no error", path)
		}
		if !IsInputError(err) {
			t.Errorf("Load(%q): IsInputError false for %v", path, err)
		}
		if !strings.HasPrefix(err.Error(), path+": cannot read the file: ") {
			t.Errorf("Load(%q): error %q does not name the file", path, err)
		}
	}
	_, err := Load(filepath.Join("testdata", "no-such-file.toml"), testKnown)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestIsInputError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("disk full"), false},
		{&InputError{Msg: "x"}, true},
		{InputErrors{{Msg: "x"}}, true},
		{fmt.Errorf("run: %w", InputErrors{{Msg: "x"}}), true},
		{errors.Join(errors.New("a"), &InputError{Msg: "x"}), true},
	} {
		if got := IsInputError(tc.err); got != tc.want {
			t.Errorf("IsInputError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestInputErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    InputError
		want string
	}{
		{InputError{File: "a.toml", Line: 3, Key: "phones.count", Msg: "bad"}, "a.toml:3: phones.count: bad"},
		{InputError{File: "a.toml", Key: "edge", Msg: "bad"}, "a.toml: edge: bad"},
		{InputError{File: "a.toml", Line: 7, Msg: "syntax error: x"}, "a.toml:7: syntax error: x"},
		{InputError{Key: "seed", Msg: "bad"}, "seed: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	two := InputErrors{{File: "a", Line: 1, Key: "k", Msg: "m"}, {File: "a", Key: "j", Msg: "n"}}
	if got, want := two.Error(), "a:1: k: m\na: j: n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSyntaxErrorKeepsParseError(t *testing.T) {
	_, err := Parse("t.toml", []byte("a = [1,\n"), testKnown)
	var e *InputError
	if !errors.As(err, &e) || e.Line == 0 || e.Err == nil {
		t.Fatalf("got %#v, want an *InputError with a line and the parser's error", err)
	}
}

// TestDefaultsAndValidate uses the two steps without a file, as a program
// building a Config in Go would.
func TestDefaultsAndValidate(t *testing.T) {
	c := &Config{
		Policies:  []string{"local"},
		Edges:     []Edge{{X: 10, Y: 10}},
		Workloads: []Workload{{Kind: "vision", Arrivals: "poisson", Model: "mobilenet-v2", Rate: 1}},
	}
	c.Defaults("runs/fig3.toml")
	if err := c.Validate(testKnown); err != nil {
		t.Fatal(err)
	}
	if c.Name != "fig3" || c.Seed != 1 || c.Edges[0].Servers != 1 || c.Workloads[0].Deadline != 100*time.Millisecond {
		t.Errorf("defaults not filled: %+v", c)
	}

	c.Workloads[0].Rate = -2
	c.Phones.Count = 2_000_000
	err := c.Validate(testKnown)
	want := "phones.count: must be between 1 and 1000000, got 2000000\nworkload[0].rate: must be > 0, got -2"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want\n%s", err, want)
	}
	if !IsInputError(err) {
		t.Errorf("IsInputError(%v) = false", err)
	}

	c.Workloads[0].Rate, c.Phones.Count = 1, 10
	c.Seed = math.MaxUint64 // no TOML integer can hold it: WriteTOML's output would not parse
	if err := c.Validate(testKnown); err == nil || !strings.HasPrefix(err.Error(), "seed: must be at most") {
		t.Errorf("seed 2^64-1: got %v", err)
	}

	var empty Config
	empty.Defaults("")
	if empty.Name != "experiment" {
		t.Errorf("Name = %q, want the fallback \"experiment\"", empty.Name)
	}
}

func TestWriteTOMLRoundTrip(t *testing.T) {
	for _, path := range []string{"testdata/minimal.toml", "testdata/full.toml", "quickstart.toml"} {
		t.Run(path, func(t *testing.T) {
			known := testKnown
			if path == "quickstart.toml" {
				known = realKnown(t)
			}
			first, err := Load(path, known)
			if err != nil {
				t.Fatal(err)
			}
			var b1, b2 bytes.Buffer
			if err := first.WriteTOML(&b1); err != nil {
				t.Fatal(err)
			}
			second, err := Parse("resolved.toml", b1.Bytes(), known)
			if err != nil {
				t.Fatalf("the written file does not parse: %v\n%s", err, b1.String())
			}
			if !reflect.DeepEqual(first, second) {
				t.Errorf("round trip changed the config\nfirst  %+v\nsecond %+v", first, second)
			}
			if err := second.WriteTOML(&b2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
				t.Errorf("output not deterministic:\n%s\n---\n%s", b1.String(), b2.String())
			}
		})
	}
}

// TestWriteTOMLGolden pins the format of the resolved file a run writes.
// Regenerate with: go test ./experiments -run WriteTOMLGolden -update
func TestWriteTOMLGolden(t *testing.T) {
	c, err := Load("testdata/minimal.toml", testKnown)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.WriteTOML(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "minimal.resolved.toml")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestLocate(t *testing.T) {
	src := `# comment with x = 1
name = "a # not a comment"
policies = [
  "local", # x = 2
  'cloud',
]
notes = """
[fake]
y = 3
"""
raw = '''
z = 4 '''
phones.count = 3
"quoted key" = 1
[area]  # trailing comment
width_m = 1.0
[[edge]]
x_m = 1.0
[[edge]]
  x_m = 2.0
  pos = { a = 1, b = [ {c = 2},
    {c = 3} ] }
[edge.sub]
k = 1
`
	want := map[string]int{
		"name":               2,
		"policies":           3,
		"policies[0]":        4,
		"policies[1]":        5,
		"notes":              7,
		"raw":                11,
		"phones":             13,
		"phones.count":       13,
		`"quoted key"`:       14,
		"area":               15,
		"area.width_m":       16,
		"edge":               17,
		"edge[0]":            17,
		"edge[0].x_m":        18,
		"edge[1]":            19,
		"edge[1].x_m":        20,
		"edge[1].pos":        21,
		"edge[1].pos.a":      21,
		"edge[1].pos.b":      21,
		"edge[1].pos.b[0]":   21,
		"edge[1].pos.b[1]":   22,
		"edge[1].pos.b[1].c": 22,
		"edge[1].sub":        23,
		"edge[1].sub.k":      24,
	}
	got := locate(src)
	for k, line := range want {
		if got[k] != line {
			t.Errorf("line of %s = %d, want %d", k, got[k], line)
		}
	}
	for _, k := range []string{"fake", "y", "z", "x"} {
		if _, ok := got[k]; ok {
			t.Errorf("found %q, which is inside a string or comment", k)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"count", "processor", "tx_power_dbm", "tx_power_w"}
	for k, want := range map[string]string{
		"cuont":     "count",
		"COUNT":     "count",
		"procesor":  "processor",
		"tx_power":  "tx_power_dbm",
		"colour":    "",
		"x":         "",
		"count_max": "count",
		"cloud":     "",
	} {
		if got := suggest(k, names); got != want {
			t.Errorf("suggest(%q) = %q, want %q", k, got, want)
		}
	}
}

// FuzzParse checks that no input makes Parse panic or return both a
// config and an error. Run longer with: go test ./experiments -fuzz FuzzParse
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/minimal.toml", "testdata/full.toml", "quickstart.toml"} {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("a = [{b = '''\n'''}, \"\\\"\"]\n[[x.y]]\n[x.y.z]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse("f.toml", src, testKnown)
		if (c == nil) == (err == nil) {
			t.Fatalf("got config %v and error %v", c, err)
		}
		if err != nil && !IsInputError(err) {
			t.Fatalf("not an input error: %v", err)
		}
	})
}

func ExampleParse() {
	src := []byte(`
policies = ["local", "edge-nearest"]

[phones]
count = 50

[[edge]]
x_m = 500.0
y_m = 500.0

[[workload]]
model = "mobilenet-v2"
rate  = -1.0
`)
	known := Known{
		Models:     []string{"mobilenet-v2"},
		Processors: []string{"sd8gen3-cpu", "edge-t4", "cloud-a100"},
		Policies:   []string{"local", "edge-nearest"},
	}
	_, err := Parse("runs/fig3.toml", src, known)
	fmt.Println(err)

	src = bytes.Replace(src, []byte("-1.0"), []byte("2.0"), 1)
	c, err := Parse("runs/fig3.toml", src, known)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name, c.Phones.Count, c.Radio.UplinkHz, c.Workloads[0].Deadline)
	// Output:
	// runs/fig3.toml:13: workload[0].rate: must be > 0, got -1
	// fig3 50 2e+07 100ms
}

// TestCellPreset checks that a cell preset fills the radio keys a file
// leaves out, and that keys the file sets win.
func TestCellPreset(t *testing.T) {
	src := []byte(`policies = ["local"]
[radio]
cell = "nr-macro"
bs_tx_power_dbm = 40.0
[[edge]]
x_m = 10.0
y_m = 10.0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`)
	c, err := Parse("t.toml", src, testKnown)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Radio
	if r.UplinkHz != 273*360e3 || r.PathLoss != "uma" || r.CarrierGHz != 3.5 || r.RBHz != 360e3 || r.MaxSpectralEff != 7.4063 {
		t.Errorf("preset not applied: %+v", r)
	}
	if r.BSPowerDBm != 40 {
		t.Errorf("bs_tx_power_dbm = %v, want the file's 40", r.BSPowerDBm)
	}
	bad := bytes.Replace(src, []byte(`"nr-macro"`), []byte(`"nr-mega"`), 1)
	if _, err := Parse("t.toml", bad, testKnown); err == nil || !strings.Contains(err.Error(), "radio.cell") {
		t.Errorf("unknown cell: err = %v", err)
	}
}

// TestArrivalProcesses checks that every arrival process can be named in a
// file and is refused with a clear message when misconfigured.
func TestArrivalProcesses(t *testing.T) {
	base := `policies = ["local"]
[[edge]]
x_m = 10.0
y_m = 10.0
[[workload]]
model = "mobilenet-v2"
`
	for _, c := range []struct {
		name, body, err string
	}{
		{"poisson", `rate = 2.0`, ""},
		{"mmpp", "arrivals = \"mmpp\"\nmmpp_rates = [0.5, 5.0]\nmmpp_sojourn_s = [30.0, 5.0]", ""},
		{"mmpp one state", "arrivals = \"mmpp\"\nmmpp_rates = [0.5]\nmmpp_sojourn_s = [30.0]", "workload[0].arrivals"},
		{"periodic", "arrivals = \"periodic\"\nrate = 30.0\njitter = \"2ms\"\njitter_law = \"gaussian\"", ""},
		{"periodic bad law", "arrivals = \"periodic\"\nrate = 30.0\njitter_law = \"cauchy\"", "jitter_law"},
		{"diurnal", "arrivals = \"diurnal\"\nhourly_rates = [0.1,0.1,0.1,0.1,0.1,0.2,0.5,1,2,2,2,2,2,2,2,2,2,2,3,3,2,1,0.5,0.2]", ""},
		{"diurnal short", "arrivals = \"diurnal\"\nhourly_rates = [1.0, 2.0]", "24 hourly_rates"},
		{"sinusoidal", "arrivals = \"sinusoidal\"\nrate = 1.0\namplitude = 0.5\npeak = \"14h\"", ""},
		{"unknown", "arrivals = \"hawkes\"\nrate = 1.0", "unknown arrival process"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.toml", []byte(base+c.body+"\n"), testKnown)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("err = %v, want one mentioning %q", err, c.err)
			}
		})
	}
}

// TestAlibabaTrace runs the shipped trace experiment's jobs, then a
// malformed trace: refused with its line, or skipped and counted.
func TestAlibabaTrace(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load("trace.toml", env.Known())
	if err != nil {
		t.Fatal(err)
	}
	c.Policies = []string{"local"}
	out, err := env.Run(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.Summary.Policies[0]; s.DAGJobs != 6 || s.Tasks != 6 {
		t.Errorf("%d jobs, %d completed; want the sample's 6", s.DAGJobs, s.Tasks)
	}
	c.Workloads[0].Alibaba = "../workloads/testdata/alibaba_batch_task_malformed.csv"
	if _, err := env.Scenario(c); err == nil || !IsInputError(err) || !strings.Contains(err.Error(), "line") {
		t.Errorf("malformed trace: err = %v, want an input error naming a line", err)
	}
	c.Workloads[0].AlibabaSkipBad = true
	out, err = env.Run(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Summary.TraceRowsSkipped == 0 {
		t.Error("no skipped rows counted")
	}
}

// TestParetoEvaluation runs a small Pareto evaluation: weighted is run at
// each ω of its grid, local once; each has a front and a hypervolume in
// [0, 1.1²], and the points on weighted's front are non-dominated.
func TestParetoEvaluation(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load("quickstart.toml", env.Known())
	if err != nil {
		t.Fatal(err)
	}
	c.Duration /= 8
	c.Policies = []string{"local", "weighted"}
	c.Workloads = c.Workloads[:1]
	c.Pareto = true
	out, err := env.Run(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pp := out.Summary.Pareto
	if len(pp) != 2 || len(pp[0].Points) != 1 || len(pp[1].Points) != 11 || pp[1].Knob != "omega" {
		t.Fatalf("pareto: %+v", pp)
	}
	for _, p := range pp {
		if !(p.Hypervolume >= 0 && p.Hypervolume <= 1.21+1e-12) {
			t.Errorf("%s: hypervolume %v", p.Policy, p.Hypervolume)
		}
	}
	var front []ParetoCheck
	for _, pt := range pp[1].Points {
		if pt.OnFront {
			front = append(front, ParetoCheck{pt.MeanLatency, pt.MeanEnergy})
		}
	}
	for i, a := range front {
		for j, b := range front {
			if i != j && b.l <= a.l && b.e <= a.e && (b.l < a.l || b.e < a.e) {
				t.Errorf("front point %v dominated by %v", a, b)
			}
		}
	}
	if len(front) == 0 {
		t.Error("empty front")
	}
}

type ParetoCheck struct{ l, e float64 }
