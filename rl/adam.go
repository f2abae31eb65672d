package rl

import "math"

// Adam is Kingma and Ba's optimiser over a list of Params, with its
// moments kept here (not inside gorgonia) so that a checkpoint holds them
// and a resumed run continues exactly.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	T                     int         // steps taken
	M, V                  [][]float64 // first and second moments, parallel to the params
}

// NewAdam returns an optimiser with the usual β₁ = 0.9, β₂ = 0.999,
// ε = 1e-8, sized for params.
func NewAdam(lr float64, params []*Param) *Adam {
	o := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, p := range params {
		o.M = append(o.M, make([]float64, len(p.Data)))
		o.V = append(o.V, make([]float64, len(p.Data)))
	}
	return o
}

// Step applies one update with grads (parallel to params) to params.
func (o *Adam) Step(params []*Param, grads [][]float64) {
	o.T++
	c1 := 1 - math.Pow(o.Beta1, float64(o.T))
	c2 := 1 - math.Pow(o.Beta2, float64(o.T))
	for i, p := range params {
		m, v, g := o.M[i], o.V[i], grads[i]
		for j := range p.Data {
			m[j] = o.Beta1*m[j] + (1-o.Beta1)*g[j]
			v[j] = o.Beta2*v[j] + (1-o.Beta2)*g[j]*g[j]
			p.Data[j] -= o.LR * (m[j] / c1) / (math.Sqrt(v[j]/c2) + o.Eps)
		}
	}
}

// scalarAdam is Adam for one parameter (the log temperature).
type scalarAdam struct {
	T    int
	M, V float64
}

func (o *scalarAdam) step(x *float64, g, lr float64) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	o.T++
	o.M = b1*o.M + (1-b1)*g
	o.V = b2*o.V + (1-b2)*g*g
	mh := o.M / (1 - math.Pow(b1, float64(o.T)))
	vh := o.V / (1 - math.Pow(b2, float64(o.T)))
	*x -= lr * mh / (math.Sqrt(vh) + eps)
}
