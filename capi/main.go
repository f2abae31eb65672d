// Command capi is mecsim's C ABI: its learning environments (the GMORL
// reference environment and mecsim worlds seen decision by decision) as
// a shared library that any language with a C foreign-function interface
// steps in-process, N environments at a time. Build it with
//
//	go build -buildmode=c-shared -o python/mecsim/libmecsim.so ./capi
//
// which also writes libmecsim.h. The Python package in python/ loads it
// with ctypes; docs/python.md describes both.
//
// # Handles and buffers
//
// mecsim_make builds N environments from an experiment file (a path) or
// its TOML text (read by experiments.ParseEnv: the smallest file is
// `environment = "reference"` and an empty [reference] table) and returns
// a handle > 0. Every environment has C columns (actions) of F features:
// observations are C·F float32 values, column-major as refenv documents
// (column k at [k·F, (k+1)·F)), action masks C bytes (1 allowed, 0 not),
// rewards O = 2 float64 (the delay and energy utilities, higher better).
// mecsim_shape reports N, C, F and O. Every buffer is the caller's and
// holds N rows, row i for environment i: obs N·C·F float32, mask N·C
// uint8, reward N·O float64, scalar N float64, terminated and truncated N
// uint8, actions N int64. Reset and step write straight into them and
// allocate nothing; buffers a function documents as optional may be NULL.
//
// # Seeds and auto-reset
//
// mecsim_reset with a seed s starts environment i's episode with seed
// s + i (Gymnasium's convention for vector environments), so environment 0
// replays a Go-side Reset(s). Later episodes of environment i, begun by an
// auto-reset or by mecsim_reset without a seed, take the seeds
// mecsim_episode_seed(s + i, k), k = 1, 2, …: a function of the seed and
// the episode's number only. A handle never seeded starts from s = 0.
//
// With auto-reset on, mecsim_step follows Gymnasium's "same-step"
// convention (gymnasium.vector.AutoresetMode.SAME_STEP): an environment
// whose episode ends in this step is reset in the same call; obs and mask
// hold the new episode's first observation, terminated or truncated
// report the end, reward is the last step's, and the final observation
// is written to final_obs (if not NULL). With auto-reset off, stepping an
// environment whose episode has ended is an error: reset first.
//
// # Errors
//
// Every function returns a status (0 OK, else a MECSIM_ERR code; handle
// makers return the negated code) and never lets a Go panic cross into
// the caller: a panic becomes MECSIM_ERR_INTERNAL. mecsim_last_error
// copies the message of the most recent failure in the process.
// Arguments are checked before anything changes: an action array of the
// wrong length, an action out of range or masked, a bad handle, leave
// every environment as it was.
//
// # State
//
// The library's only global state is the handle table (a map from
// handle to environments) and the last error message, both guarded by
// one mutex; a C ABI can hand out nothing but plain numbers, so the
// table is unavoidable. Each handle has its own mutex: calls on one
// handle from several threads are serialised, and calls on different
// handles run in parallel. A handle's environments are stepped by up to
// the number of threads given to mecsim_make, goroutines that live as
// long as the handle.
package main

func main() {}
