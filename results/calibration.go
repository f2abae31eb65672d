package results

import (
	"encoding/json"
	"io"
)

// CalibrationRow is one published measurement beside the cost model's
// prediction of it, as "mecsim calibrate" reports it. Measured and
// Predicted are in the row's Metric (tokens_per_s, ms_per_image, W, …).
type CalibrationRow struct {
	ID        string `json:"id"`
	Device    string `json:"device"`    // as the source names it
	Processor string `json:"processor"` // cpu, gpu, npu, edge-gpu or gpu+npu
	Engine    string `json:"engine"`
	Model     string `json:"model"`
	Quant     string `json:"quant"`
	Phase     string `json:"phase"`
	Tokens    int    `json:"tokens"` // context or prompt length
	Metric    string `json:"metric"`
	Source    string `json:"source"`

	// Place is the placement the row was predicted on, e.g.
	// "galaxy-s24/npu@qnn"; empty when unsupported.
	Place     string  `json:"place,omitempty"`
	Measured  float64 `json:"measured"`
	Predicted float64 `json:"predicted"` // 0 when unsupported
	Error     float64 `json:"error"`     // (Predicted − Measured) / Measured; 0 when unsupported
	// Unsupported says why the row could not be predicted; empty when it
	// was.
	Unsupported string `json:"unsupported,omitempty"`
}

// Supported reports whether the row was predicted.
func (r *CalibrationRow) Supported() bool { return r.Unsupported == "" }

// CalibrationGroup is the mean absolute percentage error of the predicted
// rows that share a processor, an engine or a phase.
type CalibrationGroup struct {
	Name string  `json:"name"`
	Rows int     `json:"rows"`
	MAPE float64 `json:"mape"` // a fraction: 0.12 for 12%
}

// Calibration is the cost model's prediction of a calibration table.
// Fractions are fractions: 0.12 for 12%.
type Calibration struct {
	MAPE     float64 `json:"mape"`     // mean |Error| over the predicted rows
	Coverage float64 `json:"coverage"` // predicted rows / all rows
	// CatalogueCoverage is predicted rows / rows whose device and model
	// the catalogues hold.
	CatalogueCoverage float64 `json:"catalogue_coverage"`
	Predicted         int     `json:"predicted"`
	Unsupported       int     `json:"unsupported"`

	ByProcessor []CalibrationGroup `json:"by_processor"`
	ByEngine    []CalibrationGroup `json:"by_engine"`
	ByPhase     []CalibrationGroup `json:"by_phase"`

	Rows []CalibrationRow `json:"rows"` // in table order, unsupported rows included
}

// WriteJSON writes c as one indented JSON object.
func (c *Calibration) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
