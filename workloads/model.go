package workloads

// Model is one inference model: what a single inference of one input costs,
// independently of where it runs. Devices turn these demands into time and
// energy.
//
// Counts are float64 so that arithmetic with rates needs no conversion; they
// are whole numbers for the built-in models.
type Model struct {
	Name string // catalogue name, such as "mobilenet-v2"

	MACs   float64 // multiply-accumulates per inference
	Params float64 // parameters (weights and biases)

	// ActivationBytes is the total size of the intermediate feature maps of
	// one inference at one byte per element: the sum, over every layer, of
	// the tensor it writes (convolutions, residual additions, pooling and
	// the classifier). Each map is counted once, as written; a device that
	// also reads it back from memory, or holds it in a wider type, says so
	// through its own bytes-per-activation factor.
	ActivationBytes float64

	InputBytes  float64 // bytes of one input, e.g. 150,528 for a 224×224×3 uint8 image
	OutputBytes float64 // bytes of one result, e.g. 4,000 for 1000 float32 logits

	Source string // where the numbers come from
}

// Ops returns the arithmetic operations of one inference, counting a
// multiply-accumulate as two operations, the convention of peak FLOPS and
// TOPS figures.
func (m Model) Ops() float64 { return 2 * m.MACs }
