package d2d_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/topology"
)

func phone(id int, battery, capability float64) d2d.Phone {
	return d2d.Phone{ID: id, State: d2d.State{Battery: battery}, Capability: capability}
}

func TestChooseHead(t *testing.T) {
	for _, c := range []struct {
		name    string
		members []d2d.Phone
		w       d2d.HeadWeights
		want    int // index in members
	}{
		{"none", nil, d2d.HeadWeights{}, -1},
		{"one", []d2d.Phone{phone(4, 0.1, 0)}, d2d.HeadWeights{}, 0},
		// Default weights ½, ½; capability relative to the best (10):
		// 0.5·0.9 + 0.5·0.2 = 0.55 against 0.5·0.5 + 0.5·1 = 0.75.
		{"compute wins", []d2d.Phone{phone(1, 0.9, 2), phone(2, 0.5, 10)}, d2d.HeadWeights{}, 1},
		// 0.5·0.9 + 0.5·0.8 = 0.85 against 0.5·0.3 + 0.5·1 = 0.65.
		{"battery wins", []d2d.Phone{phone(1, 0.9, 8), phone(2, 0.3, 10)}, d2d.HeadWeights{}, 0},
		{"battery only", []d2d.Phone{phone(1, 0.4, 100), phone(2, 0.6, 1)}, d2d.HeadWeights{Battery: 1}, 1},
		{"compute only", []d2d.Phone{phone(1, 0.4, 100), phone(2, 0.6, 1)}, d2d.HeadWeights{Compute: 1}, 0},
		// 0.2·0.5 + 0.8·0.5 = 0.5 against 0.2·1 + 0.8·0.25 = 0.4.
		{"weighted", []d2d.Phone{phone(1, 0.5, 2), phone(2, 1, 1)}, d2d.HeadWeights{Battery: 0.2, Compute: 0.8}, 0},
		// Equal scores: the lower id, wherever it is listed.
		{"tie by id", []d2d.Phone{phone(9, 0.5, 5), phone(3, 0.5, 5), phone(7, 0.5, 5)}, d2d.HeadWeights{}, 1},
		// Nobody computes: the compute term is 0, battery decides.
		{"no capability", []d2d.Phone{phone(1, 0.3, 0), phone(2, 0.7, 0)}, d2d.HeadWeights{}, 1},
		// Units cancel: scaling every capability changes nothing.
		{"scaled", []d2d.Phone{phone(1, 0.9, 2e12), phone(2, 0.5, 10e12)}, d2d.HeadWeights{}, 1},
	} {
		got, err := d2d.ChooseHead(c.members, c.w)
		if err != nil || got != c.want {
			t.Errorf("%s: ChooseHead = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name    string
		members []d2d.Phone
		w       d2d.HeadWeights
	}{
		{"battery above 1", []d2d.Phone{phone(1, 1.2, 1)}, d2d.HeadWeights{}},
		{"battery NaN", []d2d.Phone{phone(1, math.NaN(), 1)}, d2d.HeadWeights{}},
		{"negative capability", []d2d.Phone{phone(1, 0.5, -1)}, d2d.HeadWeights{}},
		{"negative weight", []d2d.Phone{phone(1, 0.5, 1)}, d2d.HeadWeights{Battery: -1, Compute: 1}},
		{"infinite weight", []d2d.Phone{phone(1, 0.5, 1)}, d2d.HeadWeights{Battery: math.Inf(1)}},
	} {
		if _, err := d2d.ChooseHead(c.members, c.w); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestHeads(t *testing.T) {
	// Two groups of three phones; in the left group phone 1 is fullest and
	// fastest, in the right group phone 5.
	pts := []topology.Point{{X: 0}, {X: 1}, {X: 2}, {X: 500}, {X: 501}, {X: 502}}
	phones := []d2d.Phone{
		phone(0, 0.5, 1), phone(1, 0.9, 3), phone(2, 0.6, 2),
		phone(3, 0.9, 1), phone(4, 0.2, 1), phone(5, 0.9, 4),
	}
	c, err := d2d.KMeans(pts, d2d.Config{K: 2}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	heads, err := d2d.Heads(c, phones, d2d.HeadWeights{})
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 2 || heads[0] != 1 || heads[1] != 5 {
		t.Errorf("heads %v, want [1 5]", heads)
	}
	if _, err := d2d.Heads(c, phones[:3], d2d.HeadWeights{}); err == nil {
		t.Error("Heads accepted too few phones")
	}
}
