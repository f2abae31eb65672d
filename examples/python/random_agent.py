"""A uniformly random policy over the allowed actions, on N vectorised environments of the
GMORL reference preset, reporting environment steps per second and mean episode returns.

    make python
    /usr/bin/python3 examples/python/random_agent.py --num-envs 64 --seconds 10
"""

import argparse
import time

import numpy as np

import mecsim


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=mecsim.REFERENCE, help="experiment file or TOML text (default: the reference preset)")
    ap.add_argument("--num-envs", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10.0, help="how long to run")
    ap.add_argument("--threads", type=int, default=1, help="OS threads stepping the environments")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copy", action="store_true", help="return copies of the buffers (Gymnasium's default); slower")
    args = ap.parse_args()

    env = mecsim.make(args.experiment, num_envs=args.num_envs, copy=args.copy, threads=args.threads)
    rng = np.random.default_rng(args.seed)
    obs, info = env.reset(seed=args.seed)
    returns = np.zeros((env.num_envs, 2))
    finished = []
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for _ in range(100):
            mask = info["action_mask"]
            actions = (rng.random(mask.shape) * mask).argmax(axis=1)  # uniform over allowed
            obs, reward, terminated, truncated, info = env.step(actions)
            returns += reward
            ended = terminated | truncated
            if ended.any():
                finished.extend(returns[ended].tolist())
                returns[ended] = 0
        steps += 100 * env.num_envs
    elapsed = time.perf_counter() - start
    env.close()
    finished = np.array(finished)
    print(f"{steps} environment steps in {elapsed:.2f} s: {steps / elapsed:,.0f} steps/s "
          f"({env.num_envs} environments, threads={args.threads}, copy={args.copy})")
    print(f"{len(finished)} episodes: mean return delay {finished[:, 0].mean():.3f}, energy {finished[:, 1].mean():.3f} "
          f"(w = 0.5 scalar {0.5 * finished.sum(axis=1).mean():.3f})")


if __name__ == "__main__":
    main()
