package experiments

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// figureBase is a valid experiment with two edge sites, to which a test
// appends a [figure] table.
const figureBase = `policies = ["local", "cloud"]
pareto = true
duration = "60s"
[phones]
count = 20
[[edge]]
x_m = 1.0
y_m = 1.0
[[edge]]
x_m = 2.0
y_m = 2.0
[[workload]]
model = "mobilenet-v2"
rate = 1.0
`

func TestFigureTable(t *testing.T) {
	c, err := Parse("f.toml", []byte(figureBase+`
[figure]
kind = "edges"
edges = [1, 2]
[figure.quick]
duration = "2s"
phone_count = 3
edges = [2]
policies = ["local"]
`), testKnown)
	if err != nil {
		t.Fatal(err)
	}
	want := &Figure{Kind: FigureEdges, Edges: []int{1, 2},
		Quick: &Quick{Duration: 2 * time.Second, PhoneCount: 3, Edges: []int{2}, Policies: []string{"local"}}}
	if !reflect.DeepEqual(c.Figure, want) {
		t.Fatalf("figure = %+v, want %+v", c.Figure, want)
	}

	q, err := c.QuickFigure(testKnown)
	if err != nil {
		t.Fatal(err)
	}
	if q.Duration != 2*time.Second || q.Phones.Count != 3 || !reflect.DeepEqual(q.Figure.Edges, []int{2}) ||
		!reflect.DeepEqual(q.Policies, []string{"local"}) {
		t.Errorf("quick: duration %v, phones %d, edges %v, policies %v; want 2s, 3, [2], [local]",
			q.Duration, q.Phones.Count, q.Figure.Edges, q.Policies)
	}
	// The original is untouched.
	if c.Duration != time.Minute || c.Phones.Count != 20 || !reflect.DeepEqual(c.Figure.Edges, []int{1, 2}) || len(c.Policies) != 2 {
		t.Errorf("QuickFigure changed its receiver: %+v", c)
	}

	// The table survives the resolved config.
	var b strings.Builder
	if err := c.WriteTOML(&b); err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.toml", []byte(b.String()), testKnown)
	if err != nil {
		t.Fatalf("resolved config does not parse: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(again.Figure, c.Figure) {
		t.Errorf("round trip: %+v, want %+v", again.Figure, c.Figure)
	}
}

func TestQuickFigureTrain(t *testing.T) {
	c, err := Parse("l.toml", []byte(`environment = "reference"
policies = ["sac", "greedy-w"]
[reference]
edges = 1
columns = 2
[train]
steps = 5000
checkpoint_every = 1000
eval_episodes = 20
[train.sac]
warmup = 600
[figure]
kind = "learning"
[figure.quick]
steps = 200
eval_episodes = 1
`), testKnown)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.QuickFigure(testKnown)
	if err != nil {
		t.Fatal(err)
	}
	tr := q.Train
	if tr.Steps != 200 || tr.CheckpointEvery != 200 || tr.SAC.Warmup != 100 || tr.EvalEpisodes != 1 {
		t.Errorf("quick train: steps %d, checkpoint_every %d, warmup %d, eval_episodes %d; want 200, 200, 100, 1",
			tr.Steps, tr.CheckpointEvery, tr.SAC.Warmup, tr.EvalEpisodes)
	}
	if c.Train.Steps != 5000 || c.Train.SAC.Warmup != 600 {
		t.Errorf("QuickFigure changed the original's [train]: %+v", c.Train)
	}
}

func TestFigureRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, figure, want string
	}{
		{"unknown kind", "[figure]\nkind = \"pie\"", `figure.kind: unknown figure "pie"`},
		{"kind missing", "[figure]\nedges = [1]", `figure.kind: unknown figure ""`},
		{"placement without processors", "[figure]\nkind = \"placement\"", `figure.processors: a "placement" figure needs at least one value`},
		{"unknown processor", "[figure]\nkind = \"placement\"\nprocessors = [\"cray-1\"]", `figure.processors[0]: unknown processor "cray-1"`},
		{"too many edge sites", "[figure]\nkind = \"edges\"\nedges = [1, 3]", `figure.edges[1]: must be between 1 and the file's 2 [[edge]] tables, got 3`},
		{"list of another kind", "[figure]\nkind = \"llm\"\nphones = [5]", `figure.phones: only a "d2d" or "scalability" figure reads it; this one is "llm"`},
		{"no phones", "[figure]\nkind = \"d2d\"\nphones = [0]", `figure.phones[0]: must be between 1 and`},
		{"quick list of another kind", "[figure]\nkind = \"pareto\"\n[figure.quick]\nedges = [1]", `figure.quick.edges: only a "edges" figure reads it`},
		{"quick unknown policy", "[figure]\nkind = \"pareto\"\n[figure.quick]\npolicies = [\"nope\"]", `figure.quick.policies[0]: unknown policy "nope"`},
		{"quick steps without train", "[figure]\nkind = \"pareto\"\n[figure.quick]\nsteps = 10", `figure.quick: steps and eval_episodes replace [train] keys`},
		{"quick unknown key", "[figure]\nkind = \"pareto\"\n[figure.quick]\nphones_count = 3", `figure.quick.phones_count: unknown key`},
		{"learning on a world", "[figure]\nkind = \"learning\"", `figure.kind: a "learning" figure trains the Discrete SAC agent of the reference environment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(figureBase+tc.figure+"\n"), testKnown)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant an error containing %q", err, tc.want)
			}
			if err != nil && !IsInputError(err) {
				t.Errorf("%v is not an input error", err)
			}
		})
	}
	// A figure of Pareto fronts needs the Pareto evaluation.
	src := strings.Replace(figureBase, "pareto = true\n", "", 1) + "[figure]\nkind = \"pareto\"\n"
	if _, err := Parse("f.toml", []byte(src), testKnown); err == nil || !strings.Contains(err.Error(), "pareto: a \"pareto\" figure draws Pareto fronts") {
		t.Errorf("pareto figure without pareto = true: %v", err)
	}
	// A quick table that leaves the file invalid is refused by QuickFigure.
	c, err := Parse("f.toml", []byte(figureBase+"[figure]\nkind = \"edges\"\nedges = [2]\n"), testKnown)
	if err != nil {
		t.Fatal(err)
	}
	c.Figure.Quick = &Quick{Edges: []int{5}} // Parse would refuse it; set it behind its back
	if _, err := c.QuickFigure(testKnown); err == nil || !strings.Contains(err.Error(), "[figure.quick]") {
		t.Errorf("QuickFigure of an invalid result: %v", err)
	}
}
