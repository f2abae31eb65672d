package results

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestCalibrationJSON(t *testing.T) {
	c := &Calibration{
		MAPE: 0.12, Coverage: 0.5, CatalogueCoverage: 1, Predicted: 1, Unsupported: 1,
		ByEngine: []CalibrationGroup{{Name: "qnn", Rows: 1, MAPE: 0.12}},
		Rows: []CalibrationRow{
			{ID: "A", Metric: "tokens_per_s", Place: "galaxy-s24/npu@qnn", Measured: 10, Predicted: 11.2, Error: 0.12},
			{ID: "B", Metric: "W", Measured: 2, Unsupported: "unknown device"},
		},
	}
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["mape"] != 0.12 || m["coverage"] != 0.5 {
		t.Errorf("mape %v, coverage %v: want the fractions 0.12 and 0.5", m["mape"], m["coverage"])
	}
	var back Calibration
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 2 || back.Rows[0] != c.Rows[0] || back.Rows[1].Supported() || !back.Rows[0].Supported() {
		t.Errorf("rows do not round-trip: %+v", back.Rows)
	}
	if bytes.Contains(b.Bytes(), []byte(`"unsupported": ""`)) {
		t.Error("a predicted row carries an empty unsupported field")
	}
}
