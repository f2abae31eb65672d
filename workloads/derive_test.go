package workloads

import (
	"math"
	"testing"
)

// This file recomputes each built-in model's activation_bytes from the
// architecture table of its paper, and checks that the same layer-by-layer
// arithmetic reproduces the published MAC and parameter counts. The
// published counts are what the catalogue cites; the activation totals are
// ours, and this is where they come from. For the two rows marked DERIVED
// in models.csv (Whisper's and SigLIP's encoders) no count is published,
// and the MAC and parameter counts come from here too.

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

// mnasBlock is one row of a MnasNet block table, in the notation of the
// TF TPU reference code (mnasnet_models.py): repeats, kernel, stride,
// expansion, output filters, squeeze-and-excitation ratio (0 for none),
// and whether the first repeat may have a residual connection.
type mnasBlock struct {
	r, k, s, e, out int
	se              float64
	skip            bool
}

// mnasNetA1 follows the TF TPU reference code (mnasnet_models.py,
// mnasnet_a1) at depth multiplier w: a 32-filter stem, the block table, a
// 1280-filter head conv, pooling and a 1000-way classifier, all filter
// counts scaled by w and rounded to multiples of 8, except that the head
// is not narrowed below 1280 (as in MobileNetV2; the README's 2.1M
// parameters at depth 0.5 need the full head). The SE block squeezes to
// se × the block's input filters, as the reference MnasBlock does.
func mnasNetA1(w float64) *layerNet {
	blocks := []mnasBlock{
		{1, 3, 1, 1, 16, 0, false}, {2, 3, 2, 6, 24, 0, true}, {3, 5, 2, 3, 40, 0.25, true},
		{4, 3, 2, 6, 80, 0, true}, {2, 3, 1, 6, 112, 0.25, true}, {3, 5, 2, 6, 160, 0.25, true},
		{1, 3, 1, 6, 320, 0, true},
	}
	n := &layerNet{h: 224, c: 3}
	n.conv(divisible(32*w), 3, 2, 1)
	for _, b := range blocks {
		out := divisible(float64(b.out) * w)
		for i := range b.r {
			stride := 1
			if i == 0 {
				stride = b.s
			}
			in := n.c
			if b.e != 1 {
				n.conv(in*b.e, 1, 1, 1)
			}
			n.conv(n.c, b.k, stride, n.c)
			if b.se > 0 {
				n.squeezeExcite(max(1, int(float64(in)*b.se)))
			}
			n.conv(out, 1, 1, 1)
			if b.skip && stride == 1 && in == out {
				n.add()
			}
		}
	}
	n.conv(divisible(1280*max(1, w)), 1, 1, 1)
	n.pool()
	n.dense(1000)
	return n
}

// mnasNetTorchvision follows torchvision's MNASNet (models/mnasnet.py),
// which is MnasNet-B1 (no squeeze-and-excitation) with the 1280-filter
// head left unscaled, at depth multiplier w. Its batch-norm scales and
// shifts, two per channel, are counted as parameters, as torchvision's
// num_params does.
func mnasNetTorchvision(w float64) *layerNet {
	n := &layerNet{h: 224, c: 3}
	bn := func() { n.params += 2 * float64(n.c) }
	d := func(c int) int { return divisible(float64(c) * w) }
	n.conv(d(32), 3, 2, 1)
	bn()
	n.conv(n.c, 3, 1, n.c)
	bn()
	n.conv(d(16), 1, 1, 1)
	bn()
	for _, s := range []struct{ out, k, stride, e, r int }{
		{24, 3, 2, 3, 3}, {40, 5, 2, 3, 3}, {80, 5, 2, 6, 3}, {96, 3, 1, 6, 2}, {192, 5, 2, 6, 4}, {320, 3, 1, 6, 1},
	} {
		out := d(s.out)
		for i := range s.r {
			stride := 1
			if i == 0 {
				stride = s.stride
			}
			in := n.c
			n.conv(in*s.e, 1, 1, 1)
			bn()
			n.conv(n.c, s.k, stride, n.c)
			bn()
			n.conv(out, 1, 1, 1)
			bn()
			if stride == 1 && in == out {
				n.add()
			}
		}
	}
	n.conv(1280, 1, 1, 1)
	bn()
	n.pool()
	n.dense(1000)
	return n
}

// encoder tallies a pre-norm transformer encoder of the given depth over
// tokens positions of width d, with an MLP of width f and the given number
// of heads. Per layer it counts the Q, K and V projections (with biases;
// keyBias false drops the key's, as Whisper does), the attention scores
// and their weighted sum, the output projection, the two MLP matrices with
// biases, and two LayerNorms. Written maps: Q, K and V, the scores (one
// T×T map per head), the attention output, the projection, the MLP hidden
// and output maps and two residual additions; norms, softmax and GELU are
// taken as fused into their neighbours, as batch-norm is for the CNNs.
func (n *layerNet) encoder(layers, tokens, d, f, heads int, keyBias bool) {
	t, w, m, h := float64(tokens), float64(d), float64(f), float64(heads)
	kb := 0.0
	if keyBias {
		kb = w
	}
	for range layers {
		n.macs += t*w*3*w + 2*t*t*w + t*w*w + 2*t*w*m
		n.params += 3*w*w + 2*w + kb + w*w + w + 2*w*m + m + w + 4*w
		n.acts += 3*t*w + h*t*t + t*w + t*w + t*w + t*m + t*w + t*w
	}
	n.params += 2 * w // final LayerNorm
	n.h, n.c = 1, d
}

// vitB16 follows torchvision's vit_b_16 (Dosovitskiy et al. 2021, ViT-Base
// with 16×16 patches) at 224×224: 196 patches and a class token, 12 layers
// of width 768, MLP 3072, 12 heads, a 1000-way head on the class token.
func vitB16() *layerNet {
	n := &layerNet{}
	const patches, d = 196, 768
	n.macs += patches * 16 * 16 * 3 * d // patch embedding, a 16×16 stride-16 convolution
	n.params += 16*16*3*d + d + d + (patches+1)*d
	n.acts += patches*d + (patches+1)*d // patch embeddings; with class token and position embedding added
	n.encoder(12, patches+1, d, 3072, 12, true)
	n.dense(1000)
	return n
}

// siglipSo400m384 follows the SigLIP so400m/14 vision tower at 384×384
// (google/siglip-so400m-patch14-384 config.json: hidden 1152, MLP 4304, 27
// layers, 16 heads, patch 14): 27×27 = 729 patches, no class token, and no
// pooling head, since BlueLM-V-3B takes the patch features.
func siglipSo400m384() *layerNet {
	n := &layerNet{}
	const patches, d = 729, 1152
	n.macs += patches * 14 * 14 * 3 * d
	n.params += 14*14*3*d + d + patches*d
	n.acts += 2 * patches * d
	n.encoder(27, patches, d, 4304, 16, true)
	return n
}

// whisperBaseEncoder follows the Whisper base encoder (Radford et al.
// 2022, Table 1: width 512, 6 layers, 8 heads; MLP 4 × width) on one 30 s
// window: 80 log-mel channels × 3000 frames, two width-3 convolutions (the
// second of stride 2) to 1500 positions, a sinusoidal position embedding
// (not a parameter) and no bias on the key projection.
func whisperBaseEncoder() *layerNet {
	n := &layerNet{}
	const frames, mels, d = 3000, 80, 512
	n.macs += frames*3*mels*d + frames/2*3*d*d
	n.params += 3*mels*d + d + 3*d*d + d
	n.acts += frames*d + frames/2*d + frames/2*d // two convolutions, then the position embedding added
	n.encoder(6, frames/2, d, 4*d, 8, false)
	return n
}

// yoloV8n follows Ultralytics' YOLOv8n (yolov8.yaml at scale n: depth 0.33,
// width 0.25) at 640×640 with batch-norm folded into the convolutions (one
// bias per output channel), as Ultralytics counts its fused model. Written
// maps: every convolution, residual addition, upsampling, concatenation
// and max-pooling, and the 84×8400 output of decoded boxes and class
// scores.
func yoloV8n() *layerNet {
	n := &layerNet{}
	type fmap struct{ h, c int }
	conv := func(in fmap, cout, k, s int) fmap {
		h := (in.h + s - 1) / s
		n.macs += float64(h * h * k * k * in.c * cout)
		n.params += float64(k*k*in.c*cout + cout)
		n.acts += float64(h * h * cout)
		return fmap{h, cout}
	}
	write := func(m fmap) fmap { n.acts += float64(m.h * m.h * m.c); return m }
	concat := func(a, b fmap) fmap { return write(fmap{a.h, a.c + b.c}) }
	up := func(m fmap) fmap { return write(fmap{2 * m.h, m.c}) }
	c2f := func(in fmap, cout, blocks int, shortcut bool) fmap {
		c := cout / 2
		y := conv(in, 2*c, 1, 1) // split into two halves of c channels: a view, not written
		last := fmap{y.h, c}
		for range blocks {
			b := conv(conv(last, c, 3, 1), c, 3, 1)
			if shortcut {
				b = write(b)
			}
			last = b
		}
		return conv(write(fmap{y.h, (2 + blocks) * c}), cout, 1, 1)
	}
	x := fmap{640, 3}
	x = conv(x, 16, 3, 2)
	x = conv(x, 32, 3, 2)
	x = c2f(x, 32, 1, true)
	x = conv(x, 64, 3, 2)
	p3 := c2f(x, 64, 2, true)
	x = conv(p3, 128, 3, 2)
	p4 := c2f(x, 128, 2, true)
	x = conv(p4, 256, 3, 2)
	x = c2f(x, 256, 1, true)
	// SPPF: halve the channels, three chained 5×5 max-poolings, concatenate, restore.
	s := conv(x, 128, 1, 1)
	for range 3 {
		write(s)
	}
	p5 := conv(write(fmap{s.h, 4 * s.c}), 256, 1, 1)

	h4 := c2f(concat(up(p5), p4), 128, 1, false)
	o3 := c2f(concat(up(h4), p3), 64, 1, false)
	o4 := c2f(concat(conv(o3, 64, 3, 2), h4), 128, 1, false)
	o5 := c2f(concat(conv(o4, 128, 3, 2), p5), 256, 1, false)

	// Detect head: per scale a box branch (3×3, 3×3, 1×1 to 4 × 16 bins) and
	// a class branch (3×3, 3×3, 1×1 to 80 classes), then a fixed 16-weight
	// distribution-focal-loss convolution.
	for _, o := range []fmap{o3, o4, o5} {
		conv(conv(conv(o, 64, 3, 1), 64, 3, 1), 64, 1, 1)
		conv(conv(conv(o, 80, 3, 1), 80, 3, 1), 80, 1, 1)
	}
	n.params += 16
	n.acts += 84 * 8400
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
		"mobilenet-v2":         mobileNetV2(1),
		"mobilenet-v2-0.5":     mobileNetV2(0.5),
		"mobilenet-v3-large":   mobileNetV3(mobileNetV3Large, 960, 1280),
		"mobilenet-v3-small":   mobileNetV3(mobileNetV3Small, 576, 1024),
		"resnet-50":            resNet50(),
		"mnasnet-a1":           mnasNetA1(1),
		"mnasnet-a1-0.5":       mnasNetA1(0.5),
		"mnasnet-0.5":          mnasNetTorchvision(0.5),
		"vit-b-16":             vitB16(),
		"yolov8n":              yoloV8n(),
		"whisper-base-encoder": whisperBaseEncoder(),
		"siglip-so400m-384":    siglipSo400m384(),
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
