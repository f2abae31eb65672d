package rl

import (
	"fmt"

	"github.com/mecsim/mecsim/sim"
)

// MARLCurvePoint is one finished multi-agent training episode.
type MARLCurvePoint struct {
	Step    int // environment (joint) steps done at the episode's end
	Episode int
	// Return is the agents' mean undiscounted scalarised return; Delay,
	// Energy and Balance, the agents' mean return of each component.
	Return, Delay, Energy, Balance float64
	Length                         int
	CriticLoss, ActorLoss          float64 // of the latest update
	Noise                          float64 // exploration scale at the episode's end
}

// MARLProgress is reported after every episode.
type MARLProgress struct {
	Step, Steps    int
	Last           MARLCurvePoint
	StepsPerSecond float64
}

// MARLTrainer runs MADDPG agents on a MultiEnv episode by episode; like
// Trainer, its whole state is in a checkpoint taken between episodes, and
// episode i's environment seed is EpisodeSeed(Seed, i).
type MARLTrainer struct {
	Agent   *MADDPG
	Env     MultiEnv
	Seed    uint64
	Steps   int
	Step    int
	Episode int
	Curve   []MARLCurvePoint

	obs, next   []float64
	mask, nmask []bool
	actions     []int
	rewards     []float64
	h, c        []float64
	last        MARLStats
	open        bool           // an episode is under way
	cp          MARLCurvePoint // its curve point so far
}

// NewMARLTrainer returns a trainer for steps joint environment steps.
func NewMARLTrainer(agent *MADDPG, env MultiEnv, seed uint64, steps int) (*MARLTrainer, error) {
	n, o, k := env.Shape()
	if n != agent.Agents || o != agent.Obs || k != agent.Actions {
		return nil, fmt.Errorf("rl: environment has %d agents, observations of %d values and %d actions; the agents were built for %d, %d, %d",
			n, o, k, agent.Agents, agent.Obs, agent.Actions)
	}
	if steps < 1 {
		return nil, fmt.Errorf("rl: train for at least one step, not %d", steps)
	}
	t := &MARLTrainer{Agent: agent, Env: env, Seed: seed, Steps: steps}
	t.init()
	return t, nil
}

func (t *MARLTrainer) init() {
	m := t.Agent
	N, O, K, S := m.Agents, m.Obs, m.Actions, m.stateSize()
	t.obs, t.next = make([]float64, N*O), make([]float64, N*O)
	t.mask, t.nmask = make([]bool, N*K), make([]bool, N*K)
	t.actions = make([]int, N)
	t.rewards = make([]float64, N*MultiObjectives)
	t.h, t.c = make([]float64, N*S), make([]float64, N*S)
}

// Done reports whether the trainer has taken all its steps.
func (t *MARLTrainer) Done() bool { return t.Step >= t.Steps }

// RunEpisode plays one episode, learning as it goes.
func (t *MARLTrainer) RunEpisode() (MARLCurvePoint, error) {
	for {
		over, err := t.TrainStep()
		if err != nil {
			return MARLCurvePoint{}, err
		}
		if over {
			return t.Curve[len(t.Curve)-1], nil
		}
	}
}

// TrainStep takes one joint step, starting an episode when none is open,
// stores the transition and updates when the schedule says so. It reports
// whether the step ended the episode, whose curve point is then the last
// of Curve. Checkpoints are taken between episodes.
func (t *MARLTrainer) TrainStep() (bool, error) {
	m := t.Agent
	N := m.Agents
	if !t.open {
		t.Env.Reset(EpisodeSeed(t.Seed, t.Episode))
		m.ResetState()
		t.cp = MARLCurvePoint{Episode: t.Episode}
		if err := t.Env.Observe(t.obs, t.mask); err != nil {
			return false, fmt.Errorf("episode %d: %w", t.Episode, err)
		}
		t.open = true
	}
	cp := &t.cp
	h, c := m.State()
	copy(t.h, h)
	copy(t.c, c)
	if err := m.Act(t.obs, t.mask, true, t.actions); err != nil {
		return false, err
	}
	term, trunc, err := t.Env.Step(t.actions, t.rewards)
	if err != nil {
		return false, fmt.Errorf("episode %d step %d: %w", t.Episode, cp.Length, err)
	}
	if err := t.Env.Observe(t.next, t.nmask); err != nil {
		return false, fmt.Errorf("episode %d: %w", t.Episode, err)
	}
	m.Observe(JointTransition{Obs: t.obs, Next: t.next, Mask: t.mask, NextMask: t.nmask, Actions: t.actions,
		Rewards: t.rewards, H: t.h, C: t.c, Terminated: term})
	for j := range N {
		r := t.rewards[j*MultiObjectives : (j+1)*MultiObjectives]
		cp.Delay += r[MultiDelay] / float64(N)
		cp.Energy += r[MultiEnergy] / float64(N)
		cp.Balance += r[MultiBalance] / float64(N)
	}
	t.Step++
	cp.Length++
	if m.ReadyToUpdate() {
		if t.last, err = m.Update(); err != nil {
			return false, err
		}
	}
	t.obs, t.next = t.next, t.obs
	t.mask, t.nmask = t.nmask, t.mask
	if !term && !trunc {
		return false, nil
	}
	w := m.Cfg.Weights
	cp.Return = w[0]*cp.Delay + w[1]*cp.Energy + w[2]*cp.Balance
	cp.Step, cp.CriticLoss, cp.ActorLoss, cp.Noise = t.Step, t.last.CriticLoss, t.last.ActorLoss, m.Noise(m.Steps)
	t.Curve = append(t.Curve, *cp)
	t.Episode++
	t.open = false
	return true, nil
}

// Run plays episodes until the trainer is done or afterEpisode returns an
// error; progress may be nil.
func (t *MARLTrainer) Run(afterEpisode func(*MARLTrainer) error, progress func(MARLProgress)) error {
	return runEpisodes(func() int { return t.Step }, t.Done, t.RunEpisode,
		func(cp MARLCurvePoint, rate float64) {
			if progress != nil {
				progress(MARLProgress{Step: t.Step, Steps: t.Steps, Last: cp, StepsPerSecond: rate})
			}
		},
		func() error {
			if afterEpisode == nil {
				return nil
			}
			return afterEpisode(t)
		})
}

// marlCheckpoint is the gob payload of a MADDPG checkpoint.
type marlCheckpoint struct {
	Cfg                  MADDPGConfig
	Agents, Obs, Actions int
	Actors, TargetActors [][]paramData
	Critics, TargetQs    [][]paramData
	Comm, TargetComm     []paramData
	ActorOpt, CriticOpt  []Adam
	CommOpt              *Adam
	Updates, EnvSteps    int
	ActSrc, SampleSrc    []byte
	H, C                 []float64
	Buf                  JointBuffer

	Trainer              bool
	Seed                 uint64
	Steps, Step, Episode int
	Curve                []MARLCurvePoint
	Last                 MARLStats // the latest update's losses, which the next curve point reports
}

func saveWeights(ws Weights) []paramData {
	out := make([]paramData, len(ws))
	for i, p := range ws {
		out[i] = paramData{p.Name, p.Rows, p.Cols, p.Data}
	}
	return out
}

func loadWeights(ws Weights, saved []paramData, what string) error {
	if len(saved) != len(ws) {
		return fmt.Errorf("%s: %d weight matrices, want %d", what, len(saved), len(ws))
	}
	for i, p := range ws {
		s := saved[i]
		if s.Name != p.Name || s.Rows != p.Rows || s.Cols != p.Cols || len(s.Data) != len(p.Data) {
			return fmt.Errorf("%s: weight %q is %d×%d, want %q %d×%d", what, s.Name, s.Rows, s.Cols, p.Name, p.Rows, p.Cols)
		}
		copy(p.Data, s.Data)
	}
	return nil
}

func (m *MADDPG) toCheckpoint() (*marlCheckpoint, error) {
	c := &marlCheckpoint{Cfg: m.Cfg, Agents: m.Agents, Obs: m.Obs, Actions: m.Actions, Updates: m.Updates, EnvSteps: m.Steps,
		H: m.h, C: m.c, Buf: *m.Buf}
	for i := range m.actors {
		c.Actors = append(c.Actors, saveWeights(m.actors[i].weights()))
		c.TargetActors = append(c.TargetActors, saveWeights(m.targetActors[i].weights()))
		c.Critics = append(c.Critics, saveWeights(m.critics[i].W))
		c.TargetQs = append(c.TargetQs, saveWeights(m.targetCritic[i].W))
		c.ActorOpt = append(c.ActorOpt, *m.actorOpt[i])
		c.CriticOpt = append(c.CriticOpt, *m.criticOpt[i])
	}
	if m.comm != nil {
		c.Comm, c.TargetComm, c.CommOpt = saveWeights(m.comm.W), saveWeights(m.targetComm.W), m.commOpt
	}
	var err error
	if c.ActSrc, err = m.actSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	if c.SampleSrc, err = m.sampleSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	return c, nil
}

func fromMARLCheckpoint(c *marlCheckpoint) (*MADDPG, error) {
	// Build agents of the saved shape (their fresh weights are then
	// overwritten), so that shapes are checked against the code.
	m, err := NewMADDPG(c.Cfg, c.Agents, c.Obs, c.Actions, sim.NewStreams(0))
	if err != nil {
		return nil, err
	}
	for _, n := range []int{len(c.Actors), len(c.TargetActors), len(c.Critics), len(c.TargetQs), len(c.ActorOpt), len(c.CriticOpt)} {
		if n != len(m.actors) {
			return nil, fmt.Errorf("networks or optimisers for %d agents, want %d", n, len(m.actors))
		}
	}
	for i := range m.actors {
		for _, x := range []struct {
			ws    Weights
			saved []paramData
			what  string
		}{
			{m.actors[i].weights(), c.Actors[i], "actor"}, {m.targetActors[i].weights(), c.TargetActors[i], "target actor"},
			{m.critics[i].W, c.Critics[i], "critic"}, {m.targetCritic[i].W, c.TargetQs[i], "target critic"},
		} {
			if err := loadWeights(x.ws, x.saved, fmt.Sprintf("%s %d", x.what, i)); err != nil {
				return nil, err
			}
		}
		if err := checkAdam(&c.ActorOpt[i], m.actors[i].weights(), "actor optimiser"); err != nil {
			return nil, err
		}
		if err := checkAdam(&c.CriticOpt[i], m.critics[i].W, "critic optimiser"); err != nil {
			return nil, err
		}
		m.actorOpt[i], m.criticOpt[i] = &c.ActorOpt[i], &c.CriticOpt[i]
	}
	if m.comm != nil {
		if err := loadWeights(m.comm.W, c.Comm, "channel"); err != nil {
			return nil, err
		}
		if err := loadWeights(m.targetComm.W, c.TargetComm, "target channel"); err != nil {
			return nil, err
		}
		if c.CommOpt == nil {
			return nil, fmt.Errorf("channel optimiser missing")
		}
		if err := checkAdam(c.CommOpt, m.comm.W, "channel optimiser"); err != nil {
			return nil, err
		}
		m.commOpt = c.CommOpt
	}
	m.Updates, m.Steps = c.Updates, c.EnvSteps
	if len(c.H) != len(m.h) || len(c.C) != len(m.c) {
		return nil, fmt.Errorf("LSTM state of %d values, want %d", len(c.H), len(m.h))
	}
	copy(m.h, c.H)
	copy(m.c, c.C)
	b := c.Buf
	if b.Agents != c.Agents || b.ObsLen != c.Obs || b.Actions != c.Actions || b.State != m.stateSize() || b.Cap != c.Cfg.Buffer ||
		b.Len < 0 || b.Len > b.Cap || b.Head < 0 || b.Head >= b.Cap {
		return nil, fmt.Errorf("replay buffer of shape %d×%d×%d, state %d, capacity %d, %d held does not match the agents", b.Agents, b.ObsLen, b.Actions, b.State, b.Cap, b.Len)
	}
	N, L := b.Agents, b.Len
	if len(b.Obs) < L*N*b.ObsLen || len(b.Next) < L*N*b.ObsLen || len(b.Mask) < L*N*b.Actions || len(b.NextMask) < L*N*b.Actions ||
		len(b.Action) < L*N || len(b.Reward) < L*N*MultiObjectives || len(b.H) < L*N*b.State || len(b.C) < L*N*b.State || len(b.Terminated) < L {
		return nil, fmt.Errorf("replay buffer holds fewer values than its %d transitions need", L)
	}
	m.Buf = &b
	if err := m.actSrc.UnmarshalBinary(c.ActSrc); err != nil {
		return nil, fmt.Errorf("acting stream: %w", err)
	}
	if err := m.sampleSrc.UnmarshalBinary(c.SampleSrc); err != nil {
		return nil, fmt.Errorf("replay stream: %w", err)
	}
	return m, nil
}

// Save writes the agents alone (to act as a policy) atomically.
func (m *MADDPG) Save(path string) error {
	c, err := m.toCheckpoint()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	c.Buf = JointBuffer{Cap: m.Buf.Cap, Agents: m.Agents, ObsLen: m.Obs, Actions: m.Actions, State: m.stateSize()}
	return writeFramed(path, marlCheckpointMagic, c)
}

// Save writes the trainer's whole state atomically, between episodes.
func (t *MARLTrainer) Save(path string) error {
	if t.open {
		return fmt.Errorf("checkpoint %s: an episode is under way; save between episodes", path)
	}
	c, err := t.Agent.toCheckpoint()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	c.Trainer, c.Seed, c.Steps, c.Step, c.Episode, c.Curve, c.Last = true, t.Seed, t.Steps, t.Step, t.Episode, t.Curve, t.last
	return writeFramed(path, marlCheckpointMagic, c)
}

// LoadMADDPG reads agents from a checkpoint (of a training run or of the
// agents alone).
func LoadMADDPG(path string) (*MADDPG, error) {
	var c marlCheckpoint
	if err := readFramed(path, marlCheckpointMagic, &c); err != nil {
		return nil, err
	}
	m, err := fromMARLCheckpoint(&c)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return m, nil
}

// LoadMARLTrainer reads a training run's checkpoint to continue it on env
// for steps steps in all (0 keeps the saved total).
func LoadMARLTrainer(path string, env MultiEnv, steps int) (*MARLTrainer, error) {
	var c marlCheckpoint
	if err := readFramed(path, marlCheckpointMagic, &c); err != nil {
		return nil, err
	}
	if !c.Trainer {
		return nil, fmt.Errorf("checkpoint %s: holds agents, not a training run", path)
	}
	m, err := fromMARLCheckpoint(&c)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if steps == 0 {
		steps = c.Steps
	}
	t, err := NewMARLTrainer(m, env, c.Seed, steps)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	t.Step, t.Episode, t.Curve, t.last = c.Step, c.Episode, c.Curve, c.Last
	return t, nil
}
