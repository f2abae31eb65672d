package policytest_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/policies/policytest"
)

// TestBuiltins runs the conformance suite on every built-in policy.
func TestBuiltins(t *testing.T) {
	reg := policies.Builtin()
	for _, name := range reg.Names() {
		if name == "oracle" {
			continue // built per scenario by package mec, checked there
		}
		t.Run(name, func(t *testing.T) {
			policytest.Run(t, func() policies.Policy {
				p, err := reg.New(name, policies.Env{Rand: rand.New(rand.NewPCG(7, 7))})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}, policytest.Options{Deterministic: true}) // random's fresh instances share a seed
		})
	}
}
