package main

// The preamble is copied into the generated libmecsim.h.

/*
#define MECSIM_ABI_VERSION 1

#define MECSIM_OK 0
#define MECSIM_ERR_CONFIG 1
#define MECSIM_ERR_ARGUMENT 2
#define MECSIM_ERR_STATE 3
#define MECSIM_ERR_ENV 4
#define MECSIM_ERR_INTERNAL 5
*/
import "C"

import "unsafe"

// slice views n values at p (nil for a NULL p or n ≤ 0) without copying.
func slice[T any](p *T, n int) []T {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice(p, n)
}

// mecsim_abi_version returns MECSIM_ABI_VERSION, which changes whenever a
// function's signature or meaning does.
//
//export mecsim_abi_version
func mecsim_abi_version() int32 { return 1 }

// mecsim_make builds numEnvs environments of an experiment: src holds n
// bytes, a file's path when isPath is nonzero, else the file's TOML text.
// autoreset nonzero resets an environment in the step that ends its
// episode (same-step auto-reset); threads is the most goroutines that
// step the environments (≤ 0: one per CPU). It returns a handle > 0, or
// a negated MECSIM_ERR code (MECSIM_ERR_CONFIG for a bad file).
//
//export mecsim_make
func mecsim_make(src *byte, n int64, isPath int32, numEnvs int64, autoreset int32, threads int32) (h int64) {
	code := guard(func() error {
		if src == nil || n <= 0 {
			return errorf(codeConfig, "empty experiment: give a file's path or its TOML text")
		}
		id, err := makeEnvs(append([]byte(nil), slice(src, int(n))...), isPath != 0, int(numEnvs), autoreset != 0, int(threads))
		h = id
		return err
	})
	if code != codeOK {
		return -int64(code)
	}
	return h
}

// mecsim_close releases handle h.
//
//export mecsim_close
func mecsim_close(h int64) int32 {
	return guard(func() error { return closeHandle(h) })
}

// mecsim_shape writes into out[0..3] the number of environments N, of
// columns (actions) C, of features per column F and of reward objectives
// O.
//
//export mecsim_shape
func mecsim_shape(h int64, out *int64) int32 {
	return withHandle(h, func(v *vecEnv) error {
		o := slice(out, 4)
		if o == nil {
			return errorf(codeArgument, "shape: out is NULL")
		}
		o[0], o[1], o[2], o[3] = int64(len(v.envs)), int64(v.cols), int64(v.feats), objectives
		return nil
	})
}

// mecsim_reset starts every environment's next episode (seeded nonzero:
// environment i with seed + i) and writes the observations (N·C·F) and
// masks (N·C).
//
//export mecsim_reset
func mecsim_reset(h int64, seed uint64, seeded int32, obs *float32, mask *uint8) int32 {
	return withHandle(h, func(v *vecEnv) error {
		n := len(v.envs)
		return v.reset(seed, seeded != 0, slice(obs, n*v.obsLen()), slice(mask, n*v.cols))
	})
}

// mecsim_step applies actions[i] (nActions must be N) to environment i and
// writes the next observations (N·C·F) and masks (N·C), the reward
// vectors (N·O), the scalar rewards under the preferences (N; may be
// NULL), the flags (N each) and, under auto-reset, the final observations
// of the episodes that ended (N·C·F, rows of the others untouched; may be
// NULL).
//
//export mecsim_step
func mecsim_step(h int64, actions *int64, nActions int64, obs *float32, mask *uint8, reward, scalar *float64,
	terminated, truncated *uint8, finalObs *float32) int32 {
	return withHandle(h, func(v *vecEnv) error {
		n, ol := len(v.envs), v.obsLen()
		if actions == nil && nActions > 0 {
			return errorf(codeArgument, "actions is NULL")
		}
		return v.step(stepCall{
			actions:    slice(actions, int(nActions)),
			obs:        slice(obs, n*ol),
			mask:       slice(mask, n*v.cols),
			reward:     slice(reward, n*objectives),
			scalar:     slice(scalar, n),
			terminated: slice(terminated, n),
			truncated:  slice(truncated, n),
			finalObs:   slice(finalObs, n*ol),
		})
	})
}

// mecsim_set_preferences sets the preference w of the scalar reward
// w·delay + (1 − w)·energy: n = 1 for all environments, or n = N, one
// each. The default is 0.5.
//
//export mecsim_set_preferences
func mecsim_set_preferences(h int64, w *float64, n int64) int32 {
	return withHandle(h, func(v *vecEnv) error { return v.setPreferences(slice(w, int(n))) })
}

// mecsim_rollout runs a fresh environment of handle h's kind on its own
// (not through the vector machinery): Reset(seed), then actions[0..n) until
// the episode ends, writing each step's reward vector into rewards (n·O).
// It returns the number of steps taken, or a negated MECSIM_ERR code. It
// is the Go side's reference trajectory for tests.
//
//export mecsim_rollout
func mecsim_rollout(h int64, seed uint64, actions *int64, n int64, rewards *float64) (steps int64) {
	code := withHandle(h, func(v *vecEnv) error {
		if n < 0 || (n > 0 && (actions == nil || rewards == nil)) {
			return errorf(codeArgument, "rollout: %d actions with a NULL buffer", n)
		}
		k, err := v.rollout(seed, slice(actions, int(n)), slice(rewards, int(n)*objectives))
		steps = int64(k)
		return err
	})
	if code != codeOK {
		return -int64(code)
	}
	return steps
}

// mecsim_episode_seed returns the seed of episode k (k = 0 the first) of
// an environment whose first seed is base.
//
//export mecsim_episode_seed
func mecsim_episode_seed(base, k uint64) uint64 { return episodeSeed(base, k) }

// mecsim_last_error copies the message of the most recent failure into
// buf (at most size bytes, NUL-terminated) and returns the message's
// length in bytes (without the NUL); call with size 0 to learn it.
//
//export mecsim_last_error
func mecsim_last_error(buf *byte, size int64) int64 {
	var n int64
	if guard(func() error {
		n = copyError(slice(buf, int(size)))
		return nil
	}) != codeOK {
		return 0
	}
	return n
}
