"""A short DQN (PyTorch) on the GMORL reference preset at preference w = 0.5, trained on
vectorised mecsim environments, printing its learning curve: the greedy policy's mean
scalar return on fixed evaluation episodes against the uniformly random policy's.

    make python
    /usr/bin/python3 examples/python/dqn_reference.py          # a few minutes of CPU

The Q-network scores each column (the cloud or an edge server) with one shared MLP over the
column's features and the mean of every present column's embedding, so it handles any number
of edge servers; masked actions are never chosen. Episodes end by truncation (100 slots),
treated as terminal: the observation has no clock.
"""

import argparse
import time

import numpy as np
import torch
from torch import nn

import mecsim

W = 0.5  # preference: reward = w·delay utility + (1 − w)·energy utility


def squash(obs):
    """Signed log scaling of the raw features (counts, GHz, Mbit, rates)."""
    x = torch.as_tensor(obs)
    return torch.sign(x) * torch.log1p(x.abs())


class ColumnQ(nn.Module):
    def __init__(self, feats, width=64):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(feats, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, obs, mask):
        h = self.enc(squash(obs))  # (B, C, width)
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        q = self.head(torch.cat([h, pooled.unsqueeze(1).expand_as(h)], -1)).squeeze(-1)
        return q.masked_fill(~mask, -1e9)


def evaluate(env, policy, seed, episodes_per_env):
    """Mean scalar return over num_envs × episodes_per_env fixed episodes."""
    obs, info = env.reset(seed=seed)
    total, done = np.zeros(env.num_envs), []
    while len(done) < env.num_envs * episodes_per_env:
        a = policy(obs, info["action_mask"])
        obs, r, te, tr, info = env.step(a)
        total += r
        ended = te | tr
        done.extend(total[ended])
        total[ended] = 0
    return float(np.mean(done))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150_000, help="environment steps of training")
    ap.add_argument("--num-envs", type=int, default=16)
    ap.add_argument("--eval-every", type=int, default=15_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)

    env = mecsim.make(mecsim.REFERENCE, num_envs=args.num_envs, preference=W)
    ev = mecsim.make(mecsim.REFERENCE, num_envs=16, preference=W)
    n = env.num_envs
    cols, feats = env.single_observation_space.shape
    q, target = ColumnQ(feats), ColumnQ(feats)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=5e-4)

    cap, batch, gamma = 100_000, 256, 0.9
    B_obs = np.zeros((cap, cols, feats), np.float32)
    B_next = np.zeros((cap, cols, feats), np.float32)
    B_mask = np.zeros((cap, cols), bool)
    B_nmask = np.zeros((cap, cols), bool)
    B_a = np.zeros(cap, np.int64)
    B_r = np.zeros(cap, np.float32)
    B_done = np.zeros(cap, np.float32)
    size = ptr = 0

    def random_policy(obs, mask):
        return (rng.random(mask.shape) * mask).argmax(1)

    def greedy(obs, mask):
        with torch.no_grad():
            return q(torch.as_tensor(obs), torch.as_tensor(mask)).argmax(1).numpy()

    eval_seed, eval_eps = 10_000, 4
    rand_ret = evaluate(ev, random_policy, eval_seed, eval_eps)
    cloud_ret = evaluate(ev, lambda o, m: np.zeros(len(m), np.int64), eval_seed, eval_eps)
    print(f"evaluation: {16 * eval_eps} fixed episodes, mean return at w = {W} (higher is better)")
    print(f"  random policy {rand_ret:9.2f}   always-cloud {cloud_ret:9.2f}")
    print(f"{'steps':>8} {'return':>9} {'vs random':>10} {'epsilon':>8} {'wall s':>7}")
    print(f"{0:8d} {evaluate(ev, greedy, eval_seed, eval_eps):9.2f} {'':>10} {1.0:8.2f} {0.0:7.1f}")

    start = time.perf_counter()
    obs, info = env.reset(seed=args.seed)
    mask = info["action_mask"]
    step, updates, next_eval = 0, 0, args.eval_every
    while step < args.steps:
        eps = max(0.05, 1 - step / (0.3 * args.steps))
        a = greedy(obs, mask)
        explore = rng.random(n) < eps
        a[explore] = random_policy(obs, mask)[explore]
        nobs, r, te, tr, info = env.step(a)
        ended = te | tr
        nxt = np.where(ended[:, None, None], info["final_obs"], nobs) if ended.any() else nobs
        idx = (ptr + np.arange(n)) % cap
        B_obs[idx], B_next[idx], B_mask[idx], B_nmask[idx] = obs, nxt, mask, info["action_mask"]
        B_a[idx], B_r[idx], B_done[idx] = a, r, ended
        ptr, size = (ptr + n) % cap, min(size + n, cap)
        obs, mask = nobs, info["action_mask"]
        step += n

        if size >= 2_000:
            j = rng.integers(size, size=batch)
            o, m, nm = torch.as_tensor(B_obs[j]), torch.as_tensor(B_mask[j]), torch.as_tensor(B_nmask[j])
            with torch.no_grad():  # double DQN target
                no = torch.as_tensor(B_next[j])
                an = q(no, nm).argmax(1, keepdim=True)
                y = torch.as_tensor(B_r[j]) + gamma * (1 - torch.as_tensor(B_done[j])) * target(no, nm).gather(1, an).squeeze(1)
            qa = q(o, m).gather(1, torch.as_tensor(B_a[j]).unsqueeze(1)).squeeze(1)
            loss = nn.functional.smooth_l1_loss(qa, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            updates += 1
            if updates % 250 == 0:
                target.load_state_dict(q.state_dict())
        if step >= next_eval:
            next_eval += args.eval_every
            ret = evaluate(ev, greedy, eval_seed, eval_eps)
            print(f"{step:8d} {ret:9.2f} {ret - rand_ret:+10.2f} {eps:8.2f} {time.perf_counter() - start:7.1f}", flush=True)
    print(f"trained {step} steps, {updates} updates in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
