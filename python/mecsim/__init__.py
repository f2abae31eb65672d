"""mecsim for Python: mecsim's learning environments (the GMORL reference environment and
mecsim worlds seen decision by decision) with the Gymnasium API, stepped in-process
through the C ABI of the Go library (libmecsim.so, loaded with ctypes).

    import mecsim
    env = mecsim.make(mecsim.REFERENCE, num_envs=64)
    obs, info = env.reset(seed=1)
"""

from ._lib import ArgumentError, ConfigError, MecsimError, StateError, library_path
from .env import OBJECTIVES, REFERENCE, MecsimEnv, MecsimVectorEnv, episode_seed, make

__all__ = [
    "make", "MecsimEnv", "MecsimVectorEnv", "REFERENCE", "OBJECTIVES", "episode_seed",
    "MecsimError", "ConfigError", "ArgumentError", "StateError", "library_path",
]
__version__ = "0.1.0"
