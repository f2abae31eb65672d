package main

import (
	"sync"

	"github.com/mecsim/mecsim/experiments"
)

// The handle table and the last error: the library's only global state
// (see the package documentation), guarded by mu.
var (
	mu        sync.Mutex
	handles   = map[int64]*vecEnv{}
	nextID    int64
	lastError string
)

// setError records err as the last error and returns its code.
func setError(err error) int32 {
	mu.Lock()
	lastError = err.Error()
	mu.Unlock()
	return codeOf(err)
}

// lookup returns the environments of handle h.
func lookup(h int64) (*vecEnv, error) {
	mu.Lock()
	v := handles[h]
	mu.Unlock()
	if v == nil {
		return nil, errorf(codeArgument, "no environments with handle %d (closed, or never made)", h)
	}
	return v, nil
}

// makeEnvs builds n environments of the experiment in src: a file's path
// when isPath, else its TOML text. It returns the new handle.
func makeEnvs(src []byte, isPath bool, n int, autoreset bool, threads int) (int64, error) {
	env, err := experiments.DefaultEnv()
	if err != nil {
		return 0, errorf(codeInternal, "%v", err)
	}
	var c *experiments.Config
	if isPath {
		c, err = experiments.LoadEnv(string(src), env.Known())
	} else {
		c, err = experiments.ParseEnv("<text>", src, env.Known())
	}
	if err != nil {
		return 0, errorf(codeConfig, "%v", err)
	}
	newEnv, err := env.NewEnvFunc(c)
	if err != nil {
		return 0, errorf(codeConfig, "%s: %v", c.Name, err)
	}
	v, err := newVecEnv(newEnv, n, autoreset, threads)
	if err != nil {
		return 0, err
	}
	mu.Lock()
	nextID++
	id := nextID
	handles[id] = v
	mu.Unlock()
	return id, nil
}

// closeHandle releases handle h's environments.
func closeHandle(h int64) error {
	mu.Lock()
	v := handles[h]
	delete(handles, h)
	mu.Unlock()
	if v == nil {
		return errorf(codeArgument, "no environments with handle %d (closed, or never made)", h)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.close()
	return nil
}

// withHandle runs f on handle h's environments under their lock, turning
// a panic into an internal error, and returns the status.
func withHandle(h int64, f func(v *vecEnv) error) (code int32) {
	defer func() {
		if r := recover(); r != nil {
			code = setError(errorf(codeInternal, "internal error: %v", r))
		}
	}()
	v, err := lookup(h)
	if err != nil {
		return setError(err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.envs == nil {
		return setError(errorf(codeArgument, "handle %d is closed", h))
	}
	if err := f(v); err != nil {
		return setError(err)
	}
	return codeOK
}

// guard runs f, turning a panic into an internal error, and returns its
// status.
func guard(f func() error) (code int32) {
	defer func() {
		if r := recover(); r != nil {
			code = setError(errorf(codeInternal, "internal error: %v", r))
		}
	}()
	if err := f(); err != nil {
		return setError(err)
	}
	return codeOK
}

// copyError copies the last error message into buf (NUL-terminated,
// truncated to fit) and returns its full length in bytes.
func copyError(buf []byte) int64 {
	mu.Lock()
	msg := lastError
	mu.Unlock()
	if len(buf) > 0 {
		n := copy(buf[:len(buf)-1], msg)
		buf[n] = 0
	}
	return int64(len(msg))
}
