package workloads

import (
	"math"
	"testing"
)

// This file recomputes each built-in model's activation_bytes from the
// architecture table of its paper, and checks that the same layer-by-layer
// arithmetic reproduces the published MAC and parameter counts. The
// published counts are what the catalogue cites; the activation totals are
// ours, and this is where they come from.

// layerNet walks a network layer by layer, tallying MACs, parameters and
// feature-map elements written. Batch-norm and activation functions are
// taken as fused into the convolution before them, as inference engines do.
type layerNet struct {
	h, c               int // current spatial size (square) and channels
	macs, params, acts float64
}

func (n *layerNet) conv(cout, k, stride, groups int) {
	h := (n.h + stride - 1) / stride
	n.macs += float64(h * h * k * k * n.c / groups * cout)
	n.params += float64(k * k * n.c / groups * cout)
	n.h, n.c = h, cout
	n.acts += float64(h * h * cout)
}

// add is a residual addition, which writes a new map.
func (n *layerNet) add() { n.acts += float64(n.h * n.h * n.c) }

// squeezeExcite is MobileNetV3's SE block: global pooling, two fully
// connected layers with biases, and the rescaled map.
func (n *layerNet) squeezeExcite(squeeze int) {
	c := float64(n.c)
	s := float64(squeeze)
	n.macs += float64(n.h*n.h)*c + 2*c*s
	n.params += 2*c*s + c + s
	n.acts += float64(n.h*n.h)*c + c + s
}

func (n *layerNet) pool() { n.acts += float64(n.c); n.h = 1 }

// dense is a fully connected layer (or a 1×1 convolution on a 1×1 map) with
// bias.
func (n *layerNet) dense(cout int) {
	n.macs += float64(n.c * cout)
	n.params += float64(n.c*cout + cout)
	n.c = cout
	n.acts += float64(cout)
}

// divisible rounds channels to a multiple of 8, never by more than 10%
// down, as the MobileNet reference code does.
func divisible(v float64) int {
	n := max(8, int(v+4)/8*8)
	if float64(n) < 0.9*v {
		n += 8
	}
	return n
}

// mobileNetV2 follows Sandler et al. 2018, Table 2, at width w.
func mobileNetV2(w float64) *layerNet {
	n := &layerNet{h: 224, c: 3}
	n.conv(divisible(32*w), 3, 2, 1)
	for _, b := range []struct{ t, c, n, s int }{
		{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
	} {
		out := divisible(float64(b.c) * w)
		for i := range b.n {
			stride := 1
			if i == 0 {
				stride = b.s
			}
			in := n.c
			if b.t != 1 {
				n.conv(in*b.t, 1, 1, 1)
			}
			n.conv(n.c, 3, stride, n.c)
			n.conv(out, 1, 1, 1)
			if stride == 1 && in == out {
				n.add()
			}
		}
	}
	n.conv(divisible(1280*max(1, w)), 1, 1, 1)
	n.pool()
	n.dense(1000)
	return n
}

// bneck is one MobileNetV3 block: kernel, expansion, output, SE, stride.
type bneck struct{ k, exp, out, se, s int }

// mobileNetV3 follows Howard et al. 2019, Tables 1 and 2.
func mobileNetV3(blocks []bneck, lastConv, head int) *layerNet {
	n := &layerNet{h: 224, c: 3}
	n.conv(16, 3, 2, 1)
	for _, b := range blocks {
		in := n.c
		if b.exp != in {
			n.conv(b.exp, 1, 1, 1)
		}
		n.conv(b.exp, b.k, b.s, b.exp)
		if b.se == 1 {
			n.squeezeExcite(divisible(float64(b.exp) / 4))
		}
		n.conv(b.out, 1, 1, 1)
		if b.s == 1 && in == b.out {
			n.add()
		}
	}
	n.conv(lastConv, 1, 1, 1)
	n.pool()
	n.dense(head)
	n.dense(1000)
	return n
}

var mobileNetV3Large = []bneck{
	{3, 16, 16, 0, 1}, {3, 64, 24, 0, 2}, {3, 72, 24, 0, 1}, {5, 72, 40, 1, 2}, {5, 120, 40, 1, 1},
	{5, 120, 40, 1, 1}, {3, 240, 80, 0, 2}, {3, 200, 80, 0, 1}, {3, 184, 80, 0, 1}, {3, 184, 80, 0, 1},
	{3, 480, 112, 1, 1}, {3, 672, 112, 1, 1}, {5, 672, 160, 1, 2}, {5, 960, 160, 1, 1}, {5, 960, 160, 1, 1},
}

var mobileNetV3Small = []bneck{
	{3, 16, 16, 1, 2}, {3, 72, 24, 0, 2}, {3, 88, 24, 0, 1}, {5, 96, 40, 1, 2}, {5, 240, 40, 1, 1},
	{5, 240, 40, 1, 1}, {5, 120, 48, 1, 1}, {5, 144, 48, 1, 1}, {5, 288, 96, 1, 2}, {5, 576, 96, 1, 1},
	{5, 576, 96, 1, 1},
}

// resNet50 follows He et al. 2016, Table 1, in the v1.5 form (stride on the
// 3×3 convolution of each first block).
func resNet50() *layerNet {
	n := &layerNet{h: 224, c: 3}
	n.conv(64, 7, 2, 1)
	n.h = 56 // 3×3 max pooling, stride 2
	n.acts += 56 * 56 * 64
	for _, stage := range []struct{ width, blocks, stride int }{{64, 3, 1}, {128, 4, 2}, {256, 6, 2}, {512, 3, 2}} {
		for i := range stage.blocks {
			stride := 1
			if i == 0 {
				stride = stage.stride
			}
			inH, inC := n.h, n.c
			n.conv(stage.width, 1, 1, 1)
			n.conv(stage.width, 3, stride, 1)
			n.conv(4*stage.width, 1, 1, 1)
			if i == 0 { // projection shortcut from the block's input
				h, c := n.h, n.c
				n.h, n.c = inH, inC
				n.conv(4*stage.width, 1, stride, 1)
				n.h, n.c = h, c
			}
			n.add()
		}
	}
	n.pool()
	n.dense(1000)
	return n
}

func TestActivationBytesDerivation(t *testing.T) {
	// derivedTol bounds how far the layer arithmetic may stray from the
	// published MAC and parameter counts: papers round to 2–3 digits and
	// differ on what they count (batch-norm scales, SE pooling adds).
	const derivedTol = 0.02

	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	nets := map[string]*layerNet{
		"mobilenet-v2":       mobileNetV2(1),
		"mobilenet-v2-0.5":   mobileNetV2(0.5),
		"mobilenet-v3-large": mobileNetV3(mobileNetV3Large, 960, 1280),
		"mobilenet-v3-small": mobileNetV3(mobileNetV3Small, 576, 1024),
		"resnet-50":          resNet50(),
	}
	for _, name := range cat.Names() {
		n, ok := nets[name]
		if !ok {
			t.Errorf("%s: no layer table to derive activation_bytes from", name)
			continue
		}
		m, _ := cat.Model(name)
		if rel := math.Abs(n.macs/m.MACs - 1); rel > derivedTol {
			t.Errorf("%s: layer table gives %.4g MACs, catalogue %.4g (off by %.1f%%)", name, n.macs, m.MACs, 100*rel)
		}
		if rel := math.Abs(n.params/m.Params - 1); rel > derivedTol {
			t.Errorf("%s: layer table gives %.4g params, catalogue %.4g (off by %.1f%%)", name, n.params, m.Params, 100*rel)
		}
		if n.acts != m.ActivationBytes {
			t.Errorf("%s: layer table gives %.0f activation bytes, catalogue %.0f", name, n.acts, m.ActivationBytes)
		}
	}
}
