//go:build openblas

package rl

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Built with -tags openblas (cgo, Debian's libopenblas-dev and
// CGO_LDFLAGS=-lopenblas), every matrix product — Net.Forward's and
// gorgonia's — goes to OpenBLAS instead of gonum's pure-Go BLAS. This is a build-time choice, made once before
// main runs; results may differ from the pure-Go build in the last bits.
func init() {
	impl := netlib.Implementation{}
	blas64.Use(impl)
	tensor.Use(impl)
	G.Use(impl)
}

// BLAS names the implementation in use.
func BLAS() string { return "OpenBLAS (cgo)" }
