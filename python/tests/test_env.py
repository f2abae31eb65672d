"""Behaviour of the Python bridge: reset/step semantics, seeding, masks, rewards, errors,
and equality with the Go side's own trajectories (mecsim_rollout runs a refenv.Env alone
in Go, outside the vector machinery)."""

import os

import numpy as np
import pytest

import mecsim

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SLOTS = 100  # decisions per episode of the preset
NOT_DONE = 4  # refenv.FeatureNotDone


def random_actions(rng, mask):
    """A uniformly random allowed action per row of mask."""
    return (rng.random(mask.shape) * mask).argmax(axis=1)


def test_spaces_and_reset():
    with mecsim.make(mecsim.REFERENCE, num_envs=4) as env:
        assert env.num_envs == 4
        assert env.single_observation_space.shape == (11, 67)
        assert env.single_action_space.n == 11
        assert env.observation_space.shape == (4, 11, 67)
        obs, info = env.reset(seed=5)
        assert obs.shape == (4, 11, 67) and obs.dtype == np.float32
        mask = info["action_mask"]
        assert mask.shape == (4, 11) and mask.dtype == bool
        # The cloud is always allowed; the allowed actions are the cloud and the E edges.
        assert mask[:, 0].all()
        edges = obs[:, 0, 2]
        np.testing.assert_array_equal(mask.sum(axis=1), edges + 1)
        assert (obs[:, :, NOT_DONE][mask] == 1).all()


def test_vector_env_i_is_seed_plus_i():
    with mecsim.make(mecsim.REFERENCE, num_envs=3) as vec, mecsim.make(mecsim.REFERENCE) as one:
        obs, _ = vec.reset(seed=10)
        for i in range(3):
            o, _ = one.reset(seed=10 + i)
            np.testing.assert_array_equal(obs[i], o)


def test_same_seed_same_trajectory():
    def run(seed):
        rng = np.random.default_rng(0)
        with mecsim.make(mecsim.REFERENCE, num_envs=4) as env:
            obs, info = env.reset(seed=seed)
            out = [obs]
            for _ in range(150):
                obs, r, te, tr, info = env.step(random_actions(rng, info["action_mask"]))
                out += [obs, r]
            return out

    a, b, c = run(3), run(3), run(4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(a, c))


def test_single_env_episode_and_state_errors():
    env = mecsim.make(mecsim.REFERENCE)
    with pytest.raises(mecsim.StateError, match="before reset"):
        env.step(0)
    obs, info = env.reset(seed=1)
    for t in range(SLOTS):
        obs, r, term, trunc, info = env.step(0)
        assert r.shape == (2,) and (r <= 0).all()
        assert not term
        assert trunc == (t == SLOTS - 1)
    assert (obs[:, NOT_DONE][info["action_mask"]] == 0).all()  # the final observation
    with pytest.raises(mecsim.StateError, match="episode is over"):
        env.step(0)
    env.reset()  # unseeded: the next episode
    env.step(0)
    env.close()
    with pytest.raises(mecsim.ArgumentError, match="no environments with handle"):
        env.reset(seed=1)


def test_autoreset_same_step():
    n, seed = 5, 9
    rng = np.random.default_rng(1)
    with mecsim.make(mecsim.REFERENCE, num_envs=n) as env:
        obs, info = env.reset(seed=seed)
        for t in range(SLOTS):
            obs, r, term, trunc, info = env.step(random_actions(rng, info["action_mask"]))
        assert trunc.all() and not term.any()
        assert info["_final_obs"].all()
        final = info["final_obs"]
        # final observations are the ended episodes' (NotDone 0); obs are new episodes'.
        assert (final[:, 0, NOT_DONE] == 0).all()
        assert (obs[:, 0, NOT_DONE] == 1).all()
        # The new episode of environment i is the Go side's episode_seed(seed + i, 1).
        with mecsim.make(mecsim.REFERENCE) as one:
            for i in range(n):
                o, _ = one.reset(seed=mecsim.episode_seed(seed + i, 1))
                np.testing.assert_array_equal(obs[i], o)
        obs, r, term, trunc, info = env.step(np.zeros(n, dtype=np.int64))
        assert not trunc.any() and "final_obs" not in info


def test_masked_and_bad_actions_raise_and_change_nothing():
    with mecsim.make(mecsim.REFERENCE, num_envs=3) as env:
        obs, info = env.reset(seed=2)
        mask = info["action_mask"]
        i = int(np.argmin(mask.sum(axis=1)))
        bad = np.zeros(3, dtype=np.int64)
        bad[i] = int(np.flatnonzero(~mask[i])[0])
        with pytest.raises(mecsim.ArgumentError, match=f"environment {i}: action {bad[i]} is masked"):
            env.step(bad)
        with pytest.raises(mecsim.ArgumentError, match="out of range"):
            env.step(np.array([0, 11, 0]))
        with pytest.raises(mecsim.ArgumentError, match=r"shape \(4,\), want \(3,\)"):
            env.step(np.zeros(4, dtype=np.int64))
        with pytest.raises(mecsim.ArgumentError, match=r"shape \(3, 1\)"):
            env.step(np.zeros((3, 1), dtype=np.int64))
        with pytest.raises(mecsim.ArgumentError, match="integers"):
            env.step(np.array([0.5, 0, 0]))
        # Nothing moved: the next valid step is the Go side's first step.
        obs2, r, *_ = env.step(np.zeros(3, dtype=np.int64))
        go = env.rollout(2, [0])
        np.testing.assert_array_equal(r[0], go[0])


def test_scalar_rewards_from_preferences():
    rng = np.random.default_rng(2)
    with mecsim.make(mecsim.REFERENCE, num_envs=4, preference=[0.0, 0.3, 0.7, 1.0]) as env:
        obs, info = env.reset(seed=4)
        for _ in range(20):
            obs, r, te, tr, info = env.step(random_actions(rng, info["action_mask"]))
            v = info["reward_vector"]
            assert r.shape == (4,) and v.shape == (4, 2)
            w = np.array([0.0, 0.3, 0.7, 1.0])
            np.testing.assert_array_equal(r, w * v[:, 0] + (1 - w) * v[:, 1])
        env.set_preference(None)
        obs, r, *_ = env.step(np.zeros(4, dtype=np.int64))
        assert r.shape == (4, 2)
        with pytest.raises(mecsim.ArgumentError, match="preference"):
            env.set_preference(1.5)
    single = mecsim.make(mecsim.REFERENCE, preference=0.5)
    single.reset(seed=1)
    _, r, _, _, info = single.step(0)
    assert isinstance(r, float) and r == 0.5 * info["reward_vector"][0] + 0.5 * info["reward_vector"][1]


def test_bridge_reproduces_go_episode_returns_exactly():
    """Every environment's first episode, under random allowed actions, has exactly the
    per-step rewards, and so the return, of the Go environment run alone with the same seed
    and actions."""
    n, seed = 6, 123
    rng = np.random.default_rng(3)
    with mecsim.make(mecsim.REFERENCE, num_envs=n) as env:
        obs, info = env.reset(seed=seed)
        actions, rewards = [], []
        for _ in range(SLOTS):
            a = random_actions(rng, info["action_mask"])
            obs, r, te, tr, info = env.step(a)
            actions.append(a)
            rewards.append(r)
        actions, rewards = np.array(actions), np.array(rewards)  # (SLOTS, n), (SLOTS, n, 2)
        for i in range(n):
            go = env.rollout(seed + i, actions[:, i])
            assert go.shape == (SLOTS, 2)
            np.testing.assert_array_equal(rewards[:, i], go)
            assert tuple(rewards[:, i].sum(axis=0)) == tuple(go.sum(axis=0))


def test_config_errors():
    with pytest.raises(mecsim.ConfigError, match=r"<text>:2: reference: refenv: Slots = -3"):
        mecsim.make('environment = "reference"\n[reference]\nslots = -3\n', num_envs=2)
    with pytest.raises(mecsim.ConfigError, match="unknown key"):
        mecsim.make('environment = "reference"\n[reference]\nbogus = 1\n')
    with pytest.raises(mecsim.ConfigError, match="cannot read the file"):
        mecsim.make("/nonexistent/experiment.toml")
    with pytest.raises(mecsim.ConfigError, match="syntax|expected|bare keys"):
        mecsim.make('environment = "reference\n[reference]\n')
    with pytest.raises(mecsim.ArgumentError, match="num_envs"):
        mecsim.make(mecsim.REFERENCE, num_envs=0)


def test_experiment_files():
    path = os.path.join(REPO, "experiments", "gmorl.toml")
    with mecsim.make(path, num_envs=2) as env:  # reward_features: 2 more features per column
        assert env.single_observation_space.shape == (11, 69)
    path = os.path.join(REPO, "experiments", "quickstart.toml")
    rng = np.random.default_rng(4)
    with mecsim.make(path, num_envs=2) as env:  # a mecsim world, a decision per task
        obs, info = env.reset(seed=1)
        for _ in range(50):
            obs, r, te, tr, info = env.step(random_actions(rng, info["action_mask"]))
            assert r.shape == (2, 2) and (r <= 0).all()


def test_spaces_sample_with_mask():
    from mecsim import spaces

    d = spaces.Discrete(5, seed=1)
    mask = np.array([0, 1, 0, 1, 0], dtype=np.int8)
    assert all(d.sample(mask) in (1, 3) for _ in range(50))
    assert d.contains(4) and not d.contains(5)
