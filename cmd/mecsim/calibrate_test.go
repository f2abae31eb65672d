package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalibrateShippedTable(t *testing.T) {
	code, stdout, stderr := runMain(t, "calibrate")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"AIH-L01", "galaxy-s23", // a predicted row, its device by catalogue name
		"unsupported (", "CAMB-01", "simulated", // an unsupported row with its reason
		"MAPE ", "by processor:", "by engine:", "by phase:", "coverage ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCalibrateJSON(t *testing.T) {
	code, stdout, stderr := runMain(t, "calibrate", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		MAPE     *float64 `json:"mape"`
		Coverage *float64 `json:"coverage"`
		Rows     []struct {
			ID          string  `json:"id"`
			Measured    float64 `json:"measured"`
			Predicted   float64 `json:"predicted"`
			Unsupported string  `json:"unsupported"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, stdout)
	}
	if got.MAPE == nil || got.Coverage == nil || len(got.Rows) == 0 {
		t.Fatalf("mape, coverage or rows missing:\n%.400s", stdout)
	}
	// Fractions, not percentages.
	if *got.MAPE <= 0 || *got.MAPE >= 1 || *got.Coverage <= 0 || *got.Coverage > 1 {
		t.Errorf("mape %v, coverage %v: want fractions", *got.MAPE, *got.Coverage)
	}
	var predicted int
	for _, r := range got.Rows {
		if r.Unsupported == "" {
			predicted++
		}
	}
	if want := *got.Coverage * float64(len(got.Rows)); float64(predicted) != want {
		t.Errorf("%d rows predicted, coverage × rows = %v", predicted, want)
	}
}

func TestCalibrateOutputFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cal")
	code, _, stderr := runMain(t, "calibrate", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"calibration.json", "calibration.png", "calibration.svg"} {
		if info, err := os.Stat(filepath.Join(dir, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
	fh, err := os.Open(filepath.Join(dir, "calibration.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := png.Decode(fh); err != nil {
		t.Errorf("calibration.png does not decode: %v", err)
	}
	// A folder that is not a results folder is never replaced.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runMain(t, "calibrate", "-o", other); code == exitOK {
		t.Error("calibrate replaced a folder that is not a results folder")
	}
	if _, err := os.Stat(filepath.Join(other, "keep.txt")); err != nil {
		t.Errorf("the folder's file is gone: %v", err)
	}
}

func TestCalibrateBadInput(t *testing.T) {
	dir := t.TempDir()
	header := "id,source,device,processor,engine,model,quant,phase,context_or_prompt_tokens,batch,metric,value,notes\n"
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", header+
		"R-1,src,Samsung Galaxy S24 (Snapdragon 8 Gen 3),npu,qnn,Llama-2-7B-Chat,w4a16,decode,1024,1,ms_per_token,88.4,\n"+
		"R-2,src,a phone from Mars,npu,qnn,Llama-2-7B-Chat,w4a16,decode,1024,1,ms_per_token,88.4,\n")
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"a table of its own", []string{"calibrate", "--data", good}, exitOK, "R-2: unknown device"},
		{"value not a number", []string{"calibrate", "--data", write("nan.csv", header+
			"R-1,src,dev,npu,qnn,m,q,decode,1,1,tokens_per_s,fast,\n")}, exitBadUse, "nan.csv: line 2: value"},
		{"missing column", []string{"calibrate", "--data", write("cols.csv",
			strings.Replace(header, ",notes", "", 1)+"R-1,src,dev,npu,qnn,m,q,decode,1,1,tokens_per_s,1\n")}, exitBadUse, "line 1: notes: missing column"},
		{"no such file", []string{"calibrate", "--data", filepath.Join(dir, "none.csv")}, exitBadUse, "none.csv"},
		{"unknown flag", []string{"calibrate", "--fast"}, exitBadUse, "flag provided but not defined"},
		{"stray argument", []string{"calibrate", "points.csv"}, exitBadUse, "unexpected argument"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runMain(t, tt.args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %s)", tt.name, code, tt.code, stderr)
		}
		if !strings.Contains(stdout+stderr, tt.says) {
			t.Errorf("%s: output does not say %q:\n%s%s", tt.name, tt.says, stdout, stderr)
		}
	}
}
