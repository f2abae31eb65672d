package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/mecsim/mecsim/rl"
)

// Status codes of the C ABI (libmecsim.h's MECSIM_ERR_*).
const (
	codeOK       = 0
	codeConfig   = 1 // the experiment file or text is bad
	codeArgument = 2 // a bad handle, a buffer of the wrong length, an action out of range or masked
	codeState    = 3 // a step before reset, or past an episode's end without auto-reset
	codeEnv      = 4 // an environment failed while stepping; reset the handle
	codeInternal = 5 // a Go panic, recovered
)

// objectives is the length of a reward vector: the delay and energy
// utilities.
const objectives = rl.Objectives

// apiError is an error with its status code.
type apiError struct {
	code int32
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int32, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// codeOf returns err's status code.
func codeOf(err error) int32 {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	return codeEnv
}

// vecEnv is N environments stepped together into caller buffers.
type vecEnv struct {
	mu        sync.Mutex
	newEnv    func() (rl.Env, error)
	envs      []rl.Env // nil once closed
	cols      int
	feats     int
	autoreset bool

	started bool      // reset at least once
	broken  error     // a failed step: reset before stepping again
	base    []uint64  // environment i's first seed, s + i
	episode []uint64  // number of environment i's current episode since base was set
	over    []bool    // environment i's episode has ended (auto-reset off)
	masks   []bool    // every environment's mask as last observed, N·C
	scratch []float64 // every environment's observation in float64, N·C·F
	pref    []float64 // preference w of each environment, for scalar rewards
	errs    []error   // per environment, of the current call

	call stepCall // the current call's buffers, read by the workers

	workers int
	work    chan span
	done    chan struct{}
}

// stepCall holds the buffers of one reset or step.
type stepCall struct {
	reset      bool
	actions    []int64
	obs        []float32
	mask       []uint8
	reward     []float64
	scalar     []float64
	terminated []uint8
	truncated  []uint8
	finalObs   []float32
}

// observer32 is an environment that writes float32 observations itself
// (refenv.Env).
type observer32 interface {
	Observe32(obs []float32, mask []bool) error
}

// span is a worker's share of environments, [lo, hi).
type span struct{ lo, hi int }

// maxEnvs bounds the number of environments of a handle.
const maxEnvs = 1 << 20

// newVecEnv builds n environments with newEnv; threads ≤ 0 means
// GOMAXPROCS goroutines at most.
func newVecEnv(newEnv func() (rl.Env, error), n int, autoreset bool, threads int) (*vecEnv, error) {
	if n < 1 || n > maxEnvs {
		return nil, errorf(codeArgument, "num_envs = %d, want between 1 and %d", n, maxEnvs)
	}
	v := &vecEnv{newEnv: newEnv, autoreset: autoreset}
	for i := range n {
		e, err := newEnv()
		if err != nil {
			v.close()
			return nil, errorf(codeConfig, "environment %d: %v", i, err)
		}
		v.envs = append(v.envs, e)
	}
	v.cols, v.feats = v.envs[0].Shape()
	if v.cols < 1 || v.feats < 1 {
		v.close()
		return nil, errorf(codeConfig, "the environment has shape %d×%d", v.cols, v.feats)
	}
	v.base = make([]uint64, n)
	for i := range v.base {
		v.base[i] = uint64(i)
	}
	v.episode = make([]uint64, n)
	v.over = make([]bool, n)
	v.masks = make([]bool, n*v.cols)
	v.scratch = make([]float64, n*v.cols*v.feats)
	v.pref = make([]float64, n)
	for i := range v.pref {
		v.pref[i] = 0.5
	}
	v.errs = make([]error, n)

	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	// A worker needs a few environments to repay its hand-over.
	const minPerWorker = 4
	v.workers = max(1, min(threads, n/minPerWorker))
	if v.workers > 1 {
		v.work = make(chan span, v.workers)
		v.done = make(chan struct{}, v.workers)
		for range v.workers - 1 {
			go v.worker()
		}
	}
	return v, nil
}

// worker runs shares of calls until the handle closes.
func (v *vecEnv) worker() {
	for {
		s, ok := spinReceive(v.work)
		if !ok {
			return
		}
		v.runSpan(s)
		v.done <- struct{}{}
	}
}

// spinPolls is how many times spinReceive polls before it blocks (a few
// milliseconds). Handing half of 64 environments to a parked worker cost
// more than the ~35 µs of stepping it moved on this machine's VM (two
// threads ran at 0.65 of one thread's speed); a worker that polls through
// the caller's time between steps takes its share at once (1.6 times one
// thread's speed in BenchmarkVectorStep). The price: with threads > 1 a
// worker keeps a core busy for up to a few milliseconds after each step.
const spinPolls = 100000

// spinReceive receives from c, polling before it blocks.
func spinReceive[T any](c chan T) (T, bool) {
	for range spinPolls {
		select {
		case x, ok := <-c:
			return x, ok
		default:
		}
	}
	x, ok := <-c
	return x, ok
}

// runSpan runs the current call on environments [lo, hi); a panic in an
// environment becomes that environment's error.
func (v *vecEnv) runSpan(s span) {
	i := s.lo
	defer func() {
		if r := recover(); r != nil {
			v.errs[i] = errorf(codeInternal, "environment %d: internal error: %v", i, r)
		}
	}()
	for ; i < s.hi; i++ {
		if v.call.reset {
			v.errs[i] = v.resetOne(i)
		} else {
			v.errs[i] = v.stepOne(i)
		}
	}
}

// run runs the current call on every environment, split among the
// workers, and returns the error of the first environment that failed.
func (v *vecEnv) run() error {
	n := len(v.envs)
	clear(v.errs)
	if v.workers == 1 {
		v.runSpan(span{0, n})
	} else {
		per := (n + v.workers - 1) / v.workers
		for w := 1; w < v.workers; w++ {
			v.work <- span{min(w*per, n), min((w+1)*per, n)}
		}
		v.runSpan(span{0, min(per, n)})
		for w := 1; w < v.workers; w++ {
			spinReceive(v.done)
		}
	}
	for _, err := range v.errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (v *vecEnv) obsLen() int { return v.cols * v.feats }

// checkBuffers checks the lengths of a call's buffers; a nil optional
// buffer is allowed.
func (v *vecEnv) checkBuffers(c *stepCall) error {
	n, ol := len(v.envs), v.obsLen()
	check := func(name string, got, want int, optional bool) error {
		switch {
		case got == want || (optional && got == 0):
			return nil
		case got == 0:
			return errorf(codeArgument, "%s is missing (NULL or empty), want %d values", name, want)
		}
		return errorf(codeArgument, "%s has %d values, want %d", name, got, want)
	}
	for _, err := range []error{
		check("obs", len(c.obs), n*ol, false),
		check("mask", len(c.mask), n*v.cols, false),
		check("reward", len(c.reward), n*objectives, c.reset),
		check("scalar", len(c.scalar), n, true),
		check("terminated", len(c.terminated), n, c.reset),
		check("truncated", len(c.truncated), n, c.reset),
		check("final_obs", len(c.finalObs), n*ol, true),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// reset starts every environment's next episode: when seeded, environment
// i's with seed + i; otherwise each goes on to its next episode's seed.
func (v *vecEnv) reset(seed uint64, seeded bool, obs []float32, mask []uint8) error {
	c := stepCall{reset: true, obs: obs, mask: mask}
	if err := v.checkBuffers(&c); err != nil {
		return err
	}
	for i := range v.envs {
		if seeded {
			v.base[i], v.episode[i] = seed+uint64(i), 0
		} else if v.started {
			v.episode[i]++
		}
	}
	v.call = c
	v.started, v.broken = true, nil
	if err := v.run(); err != nil {
		v.broken = err
		return err
	}
	return nil
}

func (v *vecEnv) resetOne(i int) error {
	v.envs[i].Reset(episodeSeed(v.base[i], v.episode[i]))
	v.over[i] = false
	return v.observe(i, v.call.obs, v.call.mask)
}

// observe writes environment i's observation into row i of obs (as
// float32) and, if mask is not nil, its mask into row i of mask; it keeps
// the mask for checking the next action.
func (v *vecEnv) observe(i int, obs []float32, mask []uint8) error {
	ol := v.obsLen()
	m := v.masks[i*v.cols : (i+1)*v.cols]
	o := obs[i*ol : (i+1)*ol]
	if e, ok := v.envs[i].(observer32); ok {
		// Straight into the caller's float32 buffer: the conversion
		// from a float64 copy took a sixth of a step.
		if err := e.Observe32(o, m); err != nil {
			return errorf(codeEnv, "environment %d: %v", i, err)
		}
	} else {
		x := v.scratch[i*ol : (i+1)*ol]
		if err := v.envs[i].Observe(x, m); err != nil {
			return errorf(codeEnv, "environment %d: %v", i, err)
		}
		for k, f := range x {
			o[k] = float32(f)
		}
	}
	if mask != nil {
		mk := mask[i*v.cols : (i+1)*v.cols]
		for k, ok := range m {
			mk[k] = flag(ok)
		}
	}
	return nil
}

// step applies c.actions[i] to environment i and writes the next
// observations, masks, rewards and flags. Every action is checked before
// any environment moves, so a bad one changes nothing.
func (v *vecEnv) step(c stepCall) error {
	n := len(v.envs)
	switch {
	case !v.started:
		return errorf(codeState, "step before reset")
	case v.broken != nil:
		return errorf(codeState, "an earlier call failed (%v): reset before stepping again", v.broken)
	case len(c.actions) != n:
		return errorf(codeArgument, "got %d actions for %d environments; want one action per environment", len(c.actions), n)
	}
	if err := v.checkBuffers(&c); err != nil {
		return err
	}
	for i, a := range c.actions {
		switch {
		case v.over[i]:
			return errorf(codeState, "environment %d: its episode is over: reset (or make the environments with auto-reset)", i)
		case a < 0 || a >= int64(v.cols):
			return errorf(codeArgument, "environment %d: action %d out of range [0, %d)", i, a, v.cols)
		case !v.masks[i*v.cols+int(a)]:
			return errorf(codeArgument, "environment %d: action %d is masked (not allowed in this state; see the action mask)", i, a)
		}
	}
	v.call = c
	if err := v.run(); err != nil {
		v.broken = err
		return err
	}
	return nil
}

func (v *vecEnv) stepOne(i int) error {
	c := &v.call
	r, term, trunc, err := v.envs[i].Step(int(c.actions[i]))
	if err != nil {
		return errorf(codeEnv, "environment %d: %v", i, err)
	}
	copy(c.reward[i*objectives:(i+1)*objectives], r[:])
	if c.scalar != nil {
		w := v.pref[i]
		c.scalar[i] = w*r[0] + (1-w)*r[1]
	}
	c.terminated[i], c.truncated[i] = flag(term), flag(trunc)
	if !(term || trunc) {
		return v.observe(i, c.obs, c.mask)
	}
	if !v.autoreset {
		v.over[i] = true
		if err := v.observe(i, c.obs, c.mask); err != nil {
			return err
		}
		if c.finalObs != nil {
			ol := v.obsLen()
			copy(c.finalObs[i*ol:(i+1)*ol], c.obs[i*ol:(i+1)*ol])
		}
		return nil
	}
	if c.finalObs != nil {
		if err := v.observe(i, c.finalObs, nil); err != nil {
			return err
		}
	}
	v.episode[i]++
	v.envs[i].Reset(episodeSeed(v.base[i], v.episode[i]))
	return v.observe(i, c.obs, c.mask)
}

func flag(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// setPreferences sets the preference w of the scalar reward
// w·delay + (1−w)·energy: one value for every environment, or one each.
func (v *vecEnv) setPreferences(w []float64) error {
	if len(w) != 1 && len(w) != len(v.envs) {
		return errorf(codeArgument, "got %d preferences; want 1 or %d (one per environment)", len(w), len(v.envs))
	}
	for i, x := range w {
		if !(x >= 0 && x <= 1) {
			return errorf(codeArgument, "preference[%d] = %v, want in [0, 1]", i, x)
		}
	}
	for i := range v.pref {
		v.pref[i] = w[min(i, len(w)-1)]
	}
	return nil
}

// rollout runs a fresh environment of the handle's kind, alone, from
// Reset(seed) through actions (until the episode ends) and writes each
// step's reward vector into rewards; it returns the number of steps. It
// is the Go side's own trajectory, against which the vectorised path is
// checked.
func (v *vecEnv) rollout(seed uint64, actions []int64, rewards []float64) (int, error) {
	if len(rewards) != len(actions)*objectives {
		return 0, errorf(codeArgument, "rewards has %d values, want %d (%d per action)", len(rewards), len(actions)*objectives, objectives)
	}
	e, err := v.newEnv()
	if err != nil {
		return 0, errorf(codeConfig, "%v", err)
	}
	defer closeEnv(e)
	e.Reset(seed)
	for t, a := range actions {
		r, term, trunc, err := e.Step(int(a))
		if err != nil {
			return t, errorf(codeArgument, "step %d: %v", t, err)
		}
		copy(rewards[t*objectives:(t+1)*objectives], r[:])
		if term || trunc {
			return t + 1, nil
		}
	}
	return len(actions), nil
}

// close releases the environments and stops the workers.
func (v *vecEnv) close() {
	for _, e := range v.envs {
		closeEnv(e)
	}
	v.envs = nil
	if v.work != nil {
		close(v.work)
		v.work = nil
	}
}

// closeEnv releases an environment that holds resources (a mecsim world's
// goroutine).
func closeEnv(e rl.Env) {
	if c, ok := e.(io.Closer); ok {
		c.Close()
	}
}

// episodeSeed returns the seed of episode k of an environment whose first
// episode's seed is base: base itself for k = 0, else a SplitMix64 mix of
// base and k, so that later episodes' seeds look unrelated to base + 1
// (another environment's first seed).
func episodeSeed(base, k uint64) uint64 {
	if k == 0 {
		return base
	}
	z := base + k*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
