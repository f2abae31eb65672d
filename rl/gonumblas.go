//go:build !openblas

package rl

// BLAS names the implementation in use: gonum's pure Go, unless built with
// -tags openblas.
func BLAS() string { return "gonum (pure Go)" }
