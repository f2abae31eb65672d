"""mecsim's environments for Python: a Gymnasium-style single environment and a vectorised
environment with auto-reset, both over the C ABI of libmecsim.so."""

import ctypes
import os

import numpy as np

from . import _lib
from ._lib import ArgumentError, ConfigError, ptr

try:  # gymnasium is optional: subclass its classes and use its spaces when it is there
    import gymnasium as _gym
    from gymnasium import spaces as _spaces

    _EnvBase = _gym.Env
    _VectorBase = _gym.vector.VectorEnv
    try:
        _SAME_STEP = _gym.vector.AutoresetMode.SAME_STEP
    except AttributeError:  # gymnasium < 1.1
        _SAME_STEP = "same-step"
except ImportError:  # pragma: no cover - depends on the machine
    _gym = None
    from . import spaces as _spaces

    _EnvBase = object
    _VectorBase = object
    _SAME_STEP = "same-step"

OBJECTIVES = ("delay", "energy")


def _source(path_or_toml):
    """(bytes, is_path) of an experiment: an existing file's path, or TOML text."""
    if isinstance(path_or_toml, os.PathLike):
        return os.fsencode(path_or_toml), True
    s = str(path_or_toml)
    if "\n" not in s and "=" not in s and "[" not in s:
        return os.fsencode(s), True  # a path; a missing file is reported by the library
    return s.encode("utf-8"), False


class _Handle:
    """N Go environments behind one handle, with the buffers they write into."""

    def __init__(self, path_or_toml, num_envs, autoreset, threads):
        L = _lib.lib()
        src, is_path = _source(path_or_toml)
        if int(num_envs) != num_envs or num_envs < 1:
            raise ArgumentError(_lib.ERR_ARGUMENT, f"num_envs = {num_envs!r}, want a positive integer")
        h = L.mecsim_make(src, len(src), int(is_path), int(num_envs), int(autoreset), int(threads))
        if h <= 0:
            _lib.raise_for(-h)
        self.L, self.h = L, h
        shape = np.zeros(4, dtype=np.int64)
        self._check(L.mecsim_shape(h, ptr(shape, _lib._p_i64)))
        self.n, self.cols, self.feats, self.objectives = (int(x) for x in shape)
        n, c, f = self.n, self.cols, self.feats
        self.obs = np.zeros((n, c, f), dtype=np.float32)
        self.final_obs = np.zeros((n, c, f), dtype=np.float32)
        self.mask = np.zeros((n, c), dtype=np.uint8)
        self.reward = np.zeros((n, self.objectives), dtype=np.float64)
        self.scalar = np.zeros(n, dtype=np.float64)
        self.terminated = np.zeros(n, dtype=np.uint8)
        self.truncated = np.zeros(n, dtype=np.uint8)
        self.actions = np.zeros(n, dtype=np.int64)
        self._p = dict(
            obs=ptr(self.obs, _lib._p_f32), final_obs=ptr(self.final_obs, _lib._p_f32),
            mask=ptr(self.mask, _lib._p_u8), reward=ptr(self.reward, _lib._p_f64),
            scalar=ptr(self.scalar, _lib._p_f64), terminated=ptr(self.terminated, _lib._p_u8),
            truncated=ptr(self.truncated, _lib._p_u8), actions=ptr(self.actions, _lib._p_i64),
        )

    def _check(self, code):
        if code != _lib.OK:
            _lib.raise_for(code)

    def reset(self, seed):
        if seed is None:
            self._check(self.L.mecsim_reset(self.h, 0, 0, self._p["obs"], self._p["mask"]))
        else:
            seed = int(seed)
            if not 0 <= seed < 2**64:
                raise ArgumentError(_lib.ERR_ARGUMENT, f"seed {seed} out of range [0, 2**64)")
            self._check(self.L.mecsim_reset(self.h, seed, 1, self._p["obs"], self._p["mask"]))

    def step(self, actions, scalar, final_obs):
        a = np.asarray(actions)
        if a.shape != (self.n,):
            raise ArgumentError(_lib.ERR_ARGUMENT, f"actions have shape {a.shape}, want ({self.n},): one action per environment")
        if a.dtype.kind not in "iu":
            if a.dtype.kind == "f" and np.all(a == np.floor(a)):
                a = a.astype(np.int64)
            else:
                raise ArgumentError(_lib.ERR_ARGUMENT, f"actions have dtype {a.dtype}, want integers")
        self.actions[:] = a
        p = self._p
        self._check(self.L.mecsim_step(
            self.h, p["actions"], self.n, p["obs"], p["mask"], p["reward"],
            p["scalar"] if scalar else None, p["terminated"], p["truncated"],
            p["final_obs"] if final_obs else None))

    def set_preferences(self, w):
        w = np.ascontiguousarray(np.atleast_1d(np.asarray(w, dtype=np.float64)))
        self._check(self.L.mecsim_set_preferences(self.h, ptr(w, _lib._p_f64), len(w)))

    def rollout(self, seed, actions):
        a = np.ascontiguousarray(np.asarray(actions, dtype=np.int64).ravel())
        r = np.zeros((len(a), self.objectives), dtype=np.float64)
        n = self.L.mecsim_rollout(self.h, int(seed), ptr(a, _lib._p_i64), len(a), ptr(r, _lib._p_f64))
        if n < 0:
            _lib.raise_for(-n)
        return r[:n]

    def close(self):
        if getattr(self, "h", 0) > 0:
            self.L.mecsim_close(self.h)
            self.h = 0

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _preference(w):
    if w is None:
        return None
    arr = np.asarray(w, dtype=np.float64)
    if np.any(~((arr >= 0) & (arr <= 1))):
        raise ArgumentError(_lib.ERR_ARGUMENT, f"preference {w!r}: want values in [0, 1]")
    return arr


class MecsimVectorEnv(_VectorBase):
    """num_envs mecsim environments stepped together, with same-step auto-reset.

    reset(seed=s) starts environment i with seed s + i; later episodes take seeds that
    depend on s, i and the episode's number only (mecsim.episode_seed). step(actions) takes
    one integer action per environment; an environment whose episode ends in this step is
    reset in the same call (Gymnasium's AutoresetMode.SAME_STEP): the returned observation
    is the new episode's first, terminated/truncated report the end, and
    info["final_obs"][i] (valid where info["_final_obs"][i]) is the last observation of the
    episode that ended.

    Rewards: with preference None, the reward vector (delay utility, energy utility) per
    environment, shape (num_envs, 2), as MO-Gymnasium returns; with a preference w (one
    value or one per environment), the scalar w·delay + (1 − w)·energy, shape (num_envs,),
    with the vector in info["reward_vector"].

    info["action_mask"] (num_envs, C) is True for the allowed actions; a masked or
    out-of-range action raises ArgumentError and changes nothing.

    copy=False returns the library's buffers themselves (no copies; they are overwritten by
    the next step), for the fastest loops.
    """

    metadata = {"autoreset_mode": _SAME_STEP, "render_modes": []}

    def __init__(self, path_or_toml, num_envs=1, preference=None, copy=True, threads=1, _autoreset=True):
        self._h = _Handle(path_or_toml, num_envs, _autoreset, threads)
        h = self._h
        self.num_envs = h.n
        self.copy = copy
        self.preference = None
        self.set_preference(preference)
        self.single_observation_space = _spaces.Box(-np.inf, np.inf, shape=(h.cols, h.feats), dtype=np.float32)
        self.single_action_space = _spaces.Discrete(h.cols)
        self.observation_space = _spaces.Box(-np.inf, np.inf, shape=(h.n, h.cols, h.feats), dtype=np.float32)
        self.action_space = _spaces.MultiDiscrete(np.full(h.n, h.cols))
        self.reward_space = _spaces.Box(-np.inf, 0.0, shape=(h.objectives,), dtype=np.float64)
        self.render_mode = None
        self.closed = False

    # The preference of the scalar reward, or None for vector rewards.
    def set_preference(self, w):
        """Set the preference w ∈ [0, 1] of the scalar reward (one value, or one per
        environment), or None for reward vectors."""
        w = _preference(w)
        if w is not None:
            if w.ndim > 1 or (w.ndim == 1 and w.shape[0] not in (1, self.num_envs)):
                raise ArgumentError(_lib.ERR_ARGUMENT, f"preference has shape {w.shape}, want a number or ({self.num_envs},)")
            self._h.set_preferences(w)
        self.preference = w

    def _out(self, a):
        return a.copy() if self.copy else a

    def reset(self, *, seed=None, options=None):
        if options and "preference" in options:
            self.set_preference(options["preference"])
        self._h.reset(seed)
        return self._out(self._h.obs), {"action_mask": self._out(self._h.mask.view(bool))}

    def step(self, actions):
        h = self._h
        scalar = self.preference is not None
        h.step(actions, scalar, True)
        ended = (h.terminated | h.truncated).view(bool)
        info = {"action_mask": self._out(h.mask.view(bool))}
        if ended.any():
            info["final_obs"] = self._out(h.final_obs)
            info["_final_obs"] = ended.copy()
        reward = h.scalar if scalar else h.reward
        if scalar:
            info["reward_vector"] = self._out(h.reward)
        return (self._out(h.obs), self._out(reward), self._out(h.terminated.view(bool)),
                self._out(h.truncated.view(bool)), info)

    def rollout(self, seed, actions):
        """The Go side's own trajectory: a fresh environment of this kind, alone, from
        Reset(seed) through actions until its episode ends; returns the reward vectors,
        one row per step taken."""
        return self._h.rollout(seed, actions)

    def close(self, **kwargs):
        self._h.close()
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class MecsimEnv(_EnvBase):
    """One mecsim environment with the Gymnasium Env API (no auto-reset: after an episode
    ends, call reset). Rewards and info as MecsimVectorEnv's, for one environment:
    reward is the vector (2,) when preference is None, else the scalar."""

    metadata = {"render_modes": []}

    def __init__(self, path_or_toml, preference=None):
        self._v = MecsimVectorEnv(path_or_toml, 1, preference=preference, copy=True, threads=1, _autoreset=False)
        v = self._v
        self.observation_space = v.single_observation_space
        self.action_space = v.single_action_space
        self.reward_space = v.reward_space
        self.render_mode = None

    @property
    def preference(self):
        p = self._v.preference
        return None if p is None else float(np.ravel(p)[0])

    def set_preference(self, w):
        if w is not None and np.ndim(w) != 0:
            raise ArgumentError(_lib.ERR_ARGUMENT, f"preference {w!r}: want one number in [0, 1]")
        self._v.set_preference(w)

    def reset(self, *, seed=None, options=None):
        obs, info = self._v.reset(seed=seed, options=options)
        return obs[0], {"action_mask": info["action_mask"][0]}

    def step(self, action):
        if np.ndim(action) != 0:
            raise ArgumentError(_lib.ERR_ARGUMENT, f"action has shape {np.shape(action)}, want a single integer")
        obs, r, term, trunc, info = self._v.step(np.array([action]))
        out = {"action_mask": info["action_mask"][0]}
        if "reward_vector" in info:
            out["reward_vector"] = info["reward_vector"][0]
            reward = float(r[0])
        else:
            reward = r[0]
        return obs[0], reward, bool(term[0]), bool(trunc[0]), out

    def rollout(self, seed, actions):
        return self._v.rollout(seed, actions)

    def close(self):
        self._v.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def make(path_or_toml, num_envs=None, preference=None, copy=True, threads=1):
    """Make mecsim environments from an experiment file's path or its TOML text.

    num_envs None gives one MecsimEnv (the Gymnasium Env API); an integer gives a
    MecsimVectorEnv of that many environments with same-step auto-reset. preference None
    returns reward vectors (delay, energy utilities); a number w in [0, 1] returns the
    scalar w·delay + (1 − w)·energy. threads is the most OS threads that step a vector's
    environments (1 is best on a busy machine).

        env = mecsim.make('environment = "reference"\\n[reference]\\n', num_envs=64)
    """
    if num_envs is None:
        return MecsimEnv(path_or_toml, preference=preference)
    return MecsimVectorEnv(path_or_toml, num_envs, preference=preference, copy=copy, threads=threads)


def episode_seed(seed, k):
    """The seed of episode k (0 the first) of an environment whose first seed is seed."""
    return int(_lib.lib().mecsim_episode_seed(int(seed), int(k)))


REFERENCE = 'environment = "reference"\n[reference]\n'
"""The TOML text of the GMORL reference environment's preset."""
