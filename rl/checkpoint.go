package rl

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/mecsim/mecsim/results"
)

// A checkpoint file is a header line, the payload's length (8 bytes, little
// endian), its SHA-256 (32 bytes), and the payload: a gob of checkpoint,
// deflated. A file cut short or changed anywhere fails the length or the
// checksum and is refused before anything is decoded.
const checkpointMagic = "mecsim checkpoint v1\n"

// marlCheckpointMagic heads a multi-agent (MADDPG) checkpoint.
const marlCheckpointMagic = "mecsim maddpg checkpoint v1\n"

// ErrCorrupt is wrapped by the error of a checkpoint that is truncated or
// fails its checksum.
var ErrCorrupt = errors.New("truncated or corrupted (length or checksum mismatch)")

type paramData struct {
	Name       string
	Rows, Cols int
	Data       []float64
}

type checkpoint struct {
	Cfg                   SACConfig
	Cols, Feat            int
	Actor, Q1, Q2, T1, T2 []paramData
	LogAlpha              float64
	ActorOpt, CriticOpt   Adam
	AlphaOpt              scalarAdam
	Updates               int
	ActSrc, SampleSrc     []byte
	RelabelSrc            []byte

	// The replay buffer; observations as raw little-endian float32.
	BufCap, BufLen, BufHead, BufAdded int
	BufObs, BufNext                   []byte
	BufMask, BufNextMask              []bool
	BufAction                         []int32
	BufReward, BufPref                []float64
	BufTerminated                     []bool

	// The trainer, when the checkpoint is of a training run.
	Trainer              bool
	Seed                 uint64
	Steps, Step, Episode int
	Curve                []CurvePoint
	PreferenceSrc        []byte
}

func saveNet(n *Net) []paramData {
	out := make([]paramData, len(n.Params))
	for i, p := range n.Params {
		out[i] = paramData{p.Name, p.Rows, p.Cols, p.Data}
	}
	return out
}

// loadNet copies saved weights into n (in place: training graphs hold
// n's slices), checking that the shapes agree.
func loadNet(n *Net, saved []paramData, what string) error {
	if len(saved) != len(n.Params) {
		return fmt.Errorf("%s: %d weight arrays, the network has %d", what, len(saved), len(n.Params))
	}
	for i, p := range n.Params {
		s := saved[i]
		if s.Name != p.Name || s.Rows != p.Rows || s.Cols != p.Cols || len(s.Data) != len(p.Data) {
			return fmt.Errorf("%s: weight %q is %d×%d, the network's %q is %d×%d", what, s.Name, s.Rows, s.Cols, p.Name, p.Rows, p.Cols)
		}
		copy(p.Data, s.Data)
	}
	return nil
}

func float32Bytes(xs []float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesFloat32(b []byte) []float32 {
	xs := make([]float32, len(b)/4)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return xs
}

func (s *SAC) toCheckpoint() (*checkpoint, error) {
	c := &checkpoint{
		Cfg: s.Cfg, Cols: s.Cols, Feat: s.Feat,
		Actor: saveNet(s.Actor), Q1: saveNet(s.Q1), Q2: saveNet(s.Q2), T1: saveNet(s.T1), T2: saveNet(s.T2),
		LogAlpha: s.LogAlpha, ActorOpt: *s.ActorOpt, CriticOpt: *s.CriticOpt, AlphaOpt: s.AlphaOpt,
		Updates: s.Updates,
		BufCap:  s.Buf.Cap, BufLen: s.Buf.Len, BufHead: s.Buf.Head, BufAdded: s.Buf.AddedTotal,
		BufObs: float32Bytes(s.Buf.Obs), BufNext: float32Bytes(s.Buf.Next),
		BufMask: s.Buf.Mask, BufNextMask: s.Buf.NextMask, BufAction: s.Buf.Action,
		BufReward: s.Buf.Reward, BufPref: s.Buf.Pref, BufTerminated: s.Buf.Terminated,
	}
	var err error
	if c.ActSrc, err = s.actSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	if c.SampleSrc, err = s.sampleSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	if c.RelabelSrc, err = s.prefSrc.MarshalBinary(); err != nil {
		return nil, err
	}
	return c, nil
}

// fromCheckpoint rebuilds an agent: the networks are made for the saved
// shape and their weights copied in.
func fromCheckpoint(c *checkpoint) (*SAC, error) {
	cfg := c.Cfg
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := Arch{Features: c.Feat + 1, Columns: c.Cols, Encoder: cfg.Encoder, Trunk: cfg.Trunk, Blocks: cfg.Blocks, Outputs: 1}
	s := &SAC{Cfg: cfg, Cols: c.Cols, Feat: c.Feat, LogAlpha: c.LogAlpha, AlphaOpt: c.AlphaOpt, Updates: c.Updates}
	var err error
	ca := a
	ca.Outputs = Objectives
	for _, n := range []struct {
		dst   **Net
		arch  Arch
		saved []paramData
		what  string
	}{{&s.Actor, a, c.Actor, "actor"}, {&s.Q1, ca, c.Q1, "critic 1"}, {&s.Q2, ca, c.Q2, "critic 2"}, {&s.T1, ca, c.T1, "target critic 1"}, {&s.T2, ca, c.T2, "target critic 2"}} {
		// The weights drawn here are overwritten by the saved ones.
		if *n.dst, err = NewNet(n.arch, rand.New(rand.NewPCG(0, 0))); err != nil {
			return nil, err
		}
		if err := loadNet(*n.dst, n.saved, n.what); err != nil {
			return nil, err
		}
	}
	ao, co := c.ActorOpt, c.CriticOpt
	s.ActorOpt, s.CriticOpt = &ao, &co
	if err := checkAdam(s.ActorOpt, s.Actor.Params, "actor optimiser"); err != nil {
		return nil, err
	}
	if err := checkAdam(s.CriticOpt, append(append([]*Param(nil), s.Q1.Params...), s.Q2.Params...), "critic optimiser"); err != nil {
		return nil, err
	}
	if s.Buf, err = NewBuffer(cfg.Buffer, c.Cols*c.Feat, c.Cols, Objectives); err != nil {
		return nil, err
	}
	b := s.Buf
	b.Len, b.Head, b.AddedTotal = c.BufLen, c.BufHead, c.BufAdded
	b.Obs, b.Next = bytesFloat32(c.BufObs), bytesFloat32(c.BufNext)
	b.Mask, b.NextMask, b.Action = c.BufMask, c.BufNextMask, c.BufAction
	b.Reward, b.Pref, b.Terminated = c.BufReward, c.BufPref, c.BufTerminated
	n := b.Len
	if c.BufCap != cfg.Buffer || n > b.Cap || b.Head >= b.Cap || len(b.Obs) != n*b.ObsLen || len(b.Next) != n*b.ObsLen ||
		len(b.Mask) != n*b.Cols || len(b.NextMask) != n*b.Cols || len(b.Action) != n || len(b.Reward) != n*Objectives ||
		len(b.Pref) != n || len(b.Terminated) != n {
		return nil, fmt.Errorf("replay buffer: sizes disagree with its %d transitions", n)
	}
	s.actSrc, s.sampleSrc, s.prefSrc = rand.NewPCG(0, 0), rand.NewPCG(0, 0), rand.NewPCG(0, 0)
	if err := s.actSrc.UnmarshalBinary(c.ActSrc); err != nil {
		return nil, fmt.Errorf("action stream: %w", err)
	}
	if err := s.sampleSrc.UnmarshalBinary(c.SampleSrc); err != nil {
		return nil, fmt.Errorf("replay stream: %w", err)
	}
	if err := s.prefSrc.UnmarshalBinary(c.RelabelSrc); err != nil {
		return nil, fmt.Errorf("relabelling stream: %w", err)
	}
	s.initScratch()
	return s, nil
}

func checkAdam(o *Adam, params []*Param, what string) error {
	if len(o.M) != len(params) || len(o.V) != len(params) {
		return fmt.Errorf("%s: moments for %d arrays, the network has %d", what, len(o.M), len(params))
	}
	for i, p := range params {
		if len(o.M[i]) != len(p.Data) || len(o.V[i]) != len(p.Data) {
			return fmt.Errorf("%s: moments of %s have the wrong size", what, p.Name)
		}
	}
	return nil
}

// Save writes the agent alone (for use as a policy) to path atomically.
func (s *SAC) Save(path string) error {
	c, err := s.toCheckpoint()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return writeCheckpoint(path, c)
}

// Save writes the trainer's whole state to path atomically: a reader
// sees either the previous checkpoint or this one, never a mixture.
func (t *Trainer) Save(path string) error {
	c, err := t.Agent.toCheckpoint()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	c.Trainer, c.Seed, c.Steps, c.Step, c.Episode, c.Curve = true, t.Seed, t.Steps, t.Step, t.Episode, t.Curve
	if c.PreferenceSrc, err = t.prefSrc.MarshalBinary(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return writeCheckpoint(path, c)
}

// LoadSAC reads an agent from a checkpoint (of a training run or of an
// agent alone).
func LoadSAC(path string) (*SAC, error) {
	c, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	s, err := fromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return s, nil
}

// LoadTrainer reads a training run's checkpoint to continue it on env for
// steps steps in all (0 keeps the saved total).
func LoadTrainer(path string, env Env, steps int) (*Trainer, error) {
	c, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if !c.Trainer {
		return nil, fmt.Errorf("checkpoint %s: holds an agent, not a training run", path)
	}
	s, err := fromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if cols, feat := env.Shape(); cols != c.Cols || feat != c.Feat {
		return nil, fmt.Errorf("checkpoint %s: trained on %d columns of %d features, the environment has %d of %d", path, c.Cols, c.Feat, cols, feat)
	}
	if steps == 0 {
		steps = c.Steps
	}
	t := &Trainer{Agent: s, Env: env, Seed: c.Seed, Steps: steps, Step: c.Step, Episode: c.Episode, Curve: c.Curve}
	t.prefSrc = rand.NewPCG(0, 0)
	if err := t.prefSrc.UnmarshalBinary(c.PreferenceSrc); err != nil {
		return nil, fmt.Errorf("checkpoint %s: preference stream: %w", path, err)
	}
	t.init()
	return t, nil
}

func writeCheckpoint(path string, c *checkpoint) error { return writeFramed(path, checkpointMagic, c) }

// writeFramed writes v, gob-encoded and deflated, framed with the header,
// length and checksum, atomically.
func writeFramed(path, magic string, v any) error {
	var payload bytes.Buffer
	zw, err := flate.NewWriter(&payload, flate.BestSpeed)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(zw).Encode(v); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	sum := sha256.Sum256(payload.Bytes())
	var head bytes.Buffer
	head.WriteString(magic)
	binary.Write(&head, binary.LittleEndian, uint64(payload.Len()))
	head.Write(sum[:])
	return results.WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := w.Write(head.Bytes()); err != nil {
			return err
		}
		_, err := w.Write(payload.Bytes())
		return err
	})
}

func readCheckpoint(path string) (*checkpoint, error) {
	var c checkpoint
	if err := readFramed(path, checkpointMagic, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// readFramed checks the frame of the file at path and decodes its payload
// into v.
func readFramed(path, magic string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		if len(raw) < len(magic) && bytes.HasPrefix([]byte(magic), raw) {
			return fmt.Errorf("checkpoint %s: %w", path, ErrCorrupt)
		}
		for _, m := range []string{checkpointMagic, marlCheckpointMagic} {
			if bytes.HasPrefix(raw, []byte(m)) {
				return fmt.Errorf("checkpoint %s: holds a %s, not a %s", path, strings.TrimSpace(m), strings.TrimSpace(magic))
			}
		}
		return fmt.Errorf("checkpoint %s: not a mecsim checkpoint", path)
	}
	rest := raw[len(magic):]
	if len(rest) < 8+sha256.Size {
		return fmt.Errorf("checkpoint %s: %w", path, ErrCorrupt)
	}
	n := binary.LittleEndian.Uint64(rest[:8])
	var want [sha256.Size]byte
	copy(want[:], rest[8:8+sha256.Size])
	payload := rest[8+sha256.Size:]
	if uint64(len(payload)) != n || sha256.Sum256(payload) != want {
		return fmt.Errorf("checkpoint %s: %w", path, ErrCorrupt)
	}
	if err := gob.NewDecoder(flate.NewReader(bytes.NewReader(payload))).Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("checkpoint %s: decoding: %w", path, err)
	}
	return nil
}
