package main

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/refenv"
	"github.com/mecsim/mecsim/rl"
)

const presetText = "environment = \"reference\"\n[reference]\n"

// buffers are one handle's caller buffers.
type buffers struct {
	n, cols, feats int
	actions        []int64
	obs, finalObs  []float32
	mask           []uint8
	reward, scalar []float64
	term, trunc    []uint8
}

func newBuffers(t testing.TB, h int64) *buffers {
	t.Helper()
	var shape [4]int64
	if rc := mecsim_shape(h, &shape[0]); rc != codeOK {
		t.Fatalf("shape: %d %s", rc, lastErr())
	}
	n, c, f := int(shape[0]), int(shape[1]), int(shape[2])
	if shape[3] != objectives {
		t.Fatalf("objectives = %d, want %d", shape[3], objectives)
	}
	return &buffers{n: n, cols: c, feats: f, actions: make([]int64, n),
		obs: make([]float32, n*c*f), finalObs: make([]float32, n*c*f), mask: make([]uint8, n*c),
		reward: make([]float64, n*objectives), scalar: make([]float64, n), term: make([]uint8, n), trunc: make([]uint8, n)}
}

func (b *buffers) reset(h int64, seed uint64) int32 {
	return mecsim_reset(h, seed, 1, &b.obs[0], &b.mask[0])
}

func (b *buffers) step(h int64) int32 {
	return mecsim_step(h, &b.actions[0], int64(len(b.actions)), &b.obs[0], &b.mask[0], &b.reward[0], &b.scalar[0], &b.term[0], &b.trunc[0], &b.finalObs[0])
}

// randomActions picks a uniformly random allowed action per environment.
func (b *buffers) randomActions(rng *rand.Rand) {
	for i := range b.n {
		var allowed []int64
		for a := range b.cols {
			if b.mask[i*b.cols+a] == 1 {
				allowed = append(allowed, int64(a))
			}
		}
		b.actions[i] = allowed[rng.IntN(len(allowed))]
	}
}

func lastErr() string {
	buf := make([]byte, 4096)
	n := mecsim_last_error(&buf[0], int64(len(buf)))
	return string(buf[:min(int(n), len(buf)-1)])
}

func makeText(t testing.TB, text string, n int, autoreset bool) int64 {
	t.Helper()
	src := []byte(text)
	ar := int32(0)
	if autoreset {
		ar = 1
	}
	h := mecsim_make(&src[0], int64(len(src)), 0, int64(n), ar, 0)
	if h <= 0 {
		t.Fatalf("make: %d %s", h, lastErr())
	}
	t.Cleanup(func() { mecsim_close(h) })
	return h
}

// goEnv is the Go side: a refenv.Env of the preset, driven directly.
type goEnv struct {
	e    *refenv.Env
	obs  []float64
	mask []bool
}

func newGoEnv(t testing.TB) *goEnv {
	e, err := refenv.New(refenv.Reference())
	if err != nil {
		t.Fatal(err)
	}
	c, f := e.Shape()
	return &goEnv{e: e, obs: make([]float64, c*f), mask: make([]bool, c)}
}

func (g *goEnv) observe(t testing.TB) {
	if err := g.e.Observe(g.obs, g.mask); err != nil {
		t.Fatal(err)
	}
}

// sameObs fails unless row i of obs and mask is g's observation.
func sameObs(t testing.TB, what string, g *goEnv, b *buffers, obs []float32, i int) {
	t.Helper()
	ol := b.cols * b.feats
	for k, x := range g.obs {
		if obs[i*ol+k] != float32(x) {
			t.Fatalf("%s: environment %d, value %d: %v, Go side %v", what, i, k, obs[i*ol+k], float32(x))
		}
	}
}

// TestVectorMatchesGo steps 8 environments with auto-reset through more
// than two episodes each and checks every observation, mask, reward,
// flag and final observation against refenv environments driven
// directly with the documented seeds.
func TestVectorMatchesGo(t *testing.T) {
	const n, seed, steps = 8, 42, 250
	h := makeText(t, presetText, n, true)
	b := newBuffers(t, h)
	if b.n != n || b.cols != 11 || b.feats != refenv.NumScalars+60 {
		t.Fatalf("shape %d×%d×%d", b.n, b.cols, b.feats)
	}
	if rc := mecsim_set_preferences(h, &[]float64{0.25}[0], 1); rc != codeOK {
		t.Fatal(lastErr())
	}
	if rc := b.reset(h, seed); rc != codeOK {
		t.Fatal(lastErr())
	}
	gs := make([]*goEnv, n)
	episode := make([]uint64, n)
	for i := range gs {
		gs[i] = newGoEnv(t)
		gs[i].e.Reset(seed + uint64(i))
		gs[i].observe(t)
		sameObs(t, "reset", gs[i], b, b.obs, i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ends := 0
	for s := range steps {
		b.randomActions(rng)
		if rc := b.step(h); rc != codeOK {
			t.Fatalf("step %d: %s", s, lastErr())
		}
		for i, g := range gs {
			r, term, trunc, err := g.e.Step(int(b.actions[i]))
			if err != nil {
				t.Fatal(err)
			}
			if b.reward[2*i] != r[0] || b.reward[2*i+1] != r[1] {
				t.Fatalf("step %d, environment %d: reward %v, Go side %v", s, i, b.reward[2*i:2*i+2], r)
			}
			if want := 0.25*r[0] + 0.75*r[1]; b.scalar[i] != want {
				t.Fatalf("scalar %v, want %v", b.scalar[i], want)
			}
			if b.term[i] != flag(term) || b.trunc[i] != flag(trunc) {
				t.Fatalf("step %d, environment %d: flags %d %d, Go side %v %v", s, i, b.term[i], b.trunc[i], term, trunc)
			}
			g.observe(t)
			if trunc {
				ends++
				sameObs(t, "final", g, b, b.finalObs, i)
				episode[i]++
				g.e.Reset(mecsim_episode_seed(seed+uint64(i), episode[i]))
				g.observe(t)
			}
			sameObs(t, "step", g, b, b.obs, i)
			for a, ok := range g.mask {
				if b.mask[i*b.cols+a] != flag(ok) {
					t.Fatalf("step %d, environment %d: mask differs", s, i)
				}
			}
		}
	}
	if ends != 2*n {
		t.Errorf("%d episode ends, want %d (100-slot episodes)", ends, 2*n)
	}
}

// TestRolloutIsTheGoTrajectory: mecsim_rollout replays the vector path's
// environment 0.
func TestRolloutIsTheGoTrajectory(t *testing.T) {
	h := makeText(t, presetText, 4, false)
	b := newBuffers(t, h)
	b.reset(h, 7)
	rng := rand.New(rand.NewPCG(3, 4))
	var actions []int64
	var rewards []float64
	for b.trunc[0] == 0 {
		b.randomActions(rng)
		actions = append(actions, b.actions[0])
		if rc := b.step(h); rc != codeOK {
			t.Fatal(lastErr())
		}
		rewards = append(rewards, b.reward[0], b.reward[1])
	}
	got := make([]float64, len(rewards))
	n := mecsim_rollout(h, 7, &actions[0], int64(len(actions)), &got[0])
	if n != int64(len(actions)) || n != 100 {
		t.Fatalf("rollout took %d steps of %d", n, len(actions))
	}
	for k := range got {
		if got[k] != rewards[k] {
			t.Fatalf("reward %d: rollout %v, vector %v", k, got[k], rewards[k])
		}
	}
	// Without auto-reset, the ended episode refuses a step.
	if rc := b.step(h); rc != codeState || !strings.Contains(lastErr(), "episode is over") {
		t.Errorf("step after the end: %d %q", rc, lastErr())
	}
	if rc := mecsim_reset(h, 0, 0, &b.obs[0], &b.mask[0]); rc != codeOK {
		t.Fatal(lastErr())
	}
	b.randomActions(rng)
	if rc := b.step(h); rc != codeOK {
		t.Errorf("step after an unseeded reset: %s", lastErr())
	}
}

func TestErrors(t *testing.T) {
	src := []byte("environment = \"reference\"\n[reference]\nslots = -3\nbogus = 1\n")
	if h := mecsim_make(&src[0], int64(len(src)), 0, 2, 1, 0); h != -codeConfig {
		t.Errorf("bad config: handle %d", h)
	}
	if msg := lastErr(); !strings.Contains(msg, "bogus") || !strings.Contains(msg, ":4:") {
		t.Errorf("bad config message %q: want the unknown key and its line", msg)
	}
	path := []byte("/nonexistent/x.toml")
	if h := mecsim_make(&path[0], int64(len(path)), 1, 2, 1, 0); h != -codeConfig || !strings.Contains(lastErr(), "cannot read") {
		t.Errorf("missing file: %d %q", h, lastErr())
	}
	if h := mecsim_make(nil, 0, 0, 2, 1, 0); h != -codeConfig {
		t.Errorf("empty: %d", h)
	}
	if h := mecsim_make(&[]byte(presetText)[0], int64(len(presetText)), 0, 0, 1, 0); h != -codeArgument || !strings.Contains(lastErr(), "num_envs") {
		t.Errorf("0 environments: %d %q", h, lastErr())
	}
	h := makeText(t, presetText, 3, true)
	b := newBuffers(t, h)
	if rc := b.step(h); rc != codeState || !strings.Contains(lastErr(), "before reset") {
		t.Errorf("step before reset: %d %q", rc, lastErr())
	}
	b.reset(h, 1)
	before := append([]float32(nil), b.obs...)
	if rc := mecsim_step(h, &b.actions[0], 2, &b.obs[0], &b.mask[0], &b.reward[0], nil, &b.term[0], &b.trunc[0], nil); rc != codeArgument ||
		!strings.Contains(lastErr(), "got 2 actions for 3 environments") {
		t.Errorf("wrong number of actions: %d %q", rc, lastErr())
	}
	b.actions[1] = 11
	if rc := b.step(h); rc != codeArgument || !strings.Contains(lastErr(), "environment 1: action 11 out of range [0, 11)") {
		t.Errorf("out of range: %d %q", rc, lastErr())
	}
	b.actions[1] = -1
	if rc := b.step(h); rc != codeArgument || !strings.Contains(lastErr(), "out of range") {
		t.Errorf("negative: %d %q", rc, lastErr())
	}
	// A masked action: the first padding column of environment 2.
	b.actions[1] = 0
	for a := range b.cols {
		if b.mask[2*b.cols+a] == 0 {
			b.actions[2] = int64(a)
			break
		}
	}
	if rc := b.step(h); rc != codeArgument || !strings.Contains(lastErr(), "is masked") {
		t.Errorf("masked: %d %q", rc, lastErr())
	}
	for k := range before {
		if b.obs[k] != before[k] {
			t.Fatal("a refused step changed the observations")
		}
	}
	if rc := mecsim_step(h, &b.actions[0], 3, nil, &b.mask[0], &b.reward[0], nil, &b.term[0], &b.trunc[0], nil); rc != codeArgument || !strings.Contains(lastErr(), "obs is missing") {
		t.Errorf("NULL obs: %d %q", rc, lastErr())
	}
	if rc := mecsim_set_preferences(h, &[]float64{1.5}[0], 1); rc != codeArgument {
		t.Errorf("preference 1.5: %d", rc)
	}
	if rc := mecsim_set_preferences(h, &[]float64{0.5, 0.5}[0], 2); rc != codeArgument {
		t.Errorf("2 preferences for 3 environments: %d", rc)
	}
	if rc := mecsim_shape(12345, &make([]int64, 4)[0]); rc != codeArgument || !strings.Contains(lastErr(), "no environments with handle 12345") {
		t.Errorf("bad handle: %d %q", rc, lastErr())
	}
	h2 := makeText(t, presetText, 1, true)
	if rc := mecsim_close(h2); rc != codeOK {
		t.Fatal(lastErr())
	}
	if rc := mecsim_close(h2); rc != codeArgument {
		t.Errorf("double close: %d", rc)
	}
	// Truncation of the message to the caller's buffer.
	small := make([]byte, 5)
	if n := mecsim_last_error(&small[0], 5); n <= 4 || string(small[:4]) != "no e" || small[4] != 0 {
		t.Errorf("truncated message %q, length %d", small, n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// panicEnv panics when stepped.
type panicEnv struct{ rl.Env }

func (p panicEnv) Step(int) ([rl.Objectives]float64, bool, bool, error) { panic("boom") }

func TestPanicBecomesError(t *testing.T) {
	v, err := newVecEnv(func() (rl.Env, error) {
		e, err := refenv.New(refenv.Reference())
		return panicEnv{e}, err
	}, 8, true, 2)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	nextID++
	h := nextID
	handles[h] = v
	mu.Unlock()
	defer mecsim_close(h)
	b := newBuffers(t, h)
	b.reset(h, 1)
	if rc := b.step(h); rc != codeInternal || !strings.Contains(lastErr(), "boom") {
		t.Errorf("panic: %d %q", rc, lastErr())
	}
	if rc := b.step(h); rc != codeState {
		t.Errorf("step after a failure: %d, want a state error until reset", rc)
	}
}

// TestWorld runs quickstart.toml, a mecsim world, through the ABI.
func TestWorld(t *testing.T) {
	path := []byte("../experiments/quickstart.toml")
	goroutines := runtime.NumGoroutine()
	h := mecsim_make(&path[0], int64(len(path)), 1, 2, 1, 1)
	if h <= 0 {
		t.Fatalf("make: %s", lastErr())
	}
	b := newBuffers(t, h)
	if b.cols != 8 || b.feats != rl.WorldFeatures {
		t.Errorf("shape %d×%d, want 8×%d", b.cols, b.feats, rl.WorldFeatures)
	}
	if rc := b.reset(h, 3); rc != codeOK {
		t.Fatal(lastErr())
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for s := range 200 {
		b.randomActions(rng)
		if rc := b.step(h); rc != codeOK {
			t.Fatalf("step %d: %s", s, lastErr())
		}
		for i := range b.n {
			if b.reward[2*i] > 0 || b.reward[2*i+1] > 0 {
				t.Fatalf("positive utility %v", b.reward[2*i:2*i+2])
			}
		}
	}
	if rc := mecsim_close(h); rc != codeOK {
		t.Fatal(lastErr())
	}
	for range 100 {
		if runtime.NumGoroutine() <= goroutines {
			break
		}
		runtime.Gosched()
	}
	if g := runtime.NumGoroutine(); g > goroutines {
		t.Errorf("%d goroutines after close, %d before make", g, goroutines)
	}
	// Rewards realised when tasks end cannot be given at the step.
	src := []byte(strings.Replace(readFile(t, "../experiments/quickstart.toml"), "[area]", "[train]\nreward = \"outcome\"\n\n[area]", 1))
	if h := mecsim_make(&src[0], int64(len(src)), 0, 1, 1, 1); h != -codeConfig || !strings.Contains(lastErr(), "estimate") {
		t.Errorf("outcome rewards: %d %q", h, lastErr())
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	h := makeText(t, presetText, 64, true)
	b := newBuffers(t, h)
	b.reset(h, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	for range 300 { // grow the environments' buffers
		b.randomActions(rng)
		b.step(h)
	}
	clear(b.actions) // action 0, the cloud, is always allowed
	if allocs := testing.AllocsPerRun(100, func() {
		if rc := b.step(h); rc != codeOK {
			t.Fatal(lastErr())
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per vector step, want 0", allocs)
	}
}

// BenchmarkVectorStep steps 64 preset environments under random allowed
// actions with auto-reset; one op is one vector step (64 environment
// steps).
func BenchmarkVectorStep(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "threads=1", 2: "threads=2"}[threads], func(bb *testing.B) {
			src := []byte(presetText)
			h := mecsim_make(&src[0], int64(len(src)), 0, 64, 1, int32(threads))
			if h <= 0 {
				bb.Fatal(lastErr())
			}
			defer mecsim_close(h)
			buf := newBuffers(bb, h)
			buf.reset(h, 1)
			rng := rand.New(rand.NewPCG(1, 1))
			bb.ReportAllocs()
			for bb.Loop() {
				for i := range buf.n {
					// a random allowed action without allocating
					e := 0
					for a := 1; a < buf.cols && buf.mask[i*buf.cols+a] == 1; a++ {
						e = a
					}
					buf.actions[i] = int64(rng.IntN(e + 1))
				}
				if rc := buf.step(h); rc != codeOK {
					bb.Fatal(lastErr())
				}
			}
			bb.ReportMetric(float64(bb.N*64)/bb.Elapsed().Seconds(), "env-steps/s")
		})
	}
}
