package devices

import (
	"fmt"
	"strings"
)

// DType is the arithmetic a processor runs in.
type DType int

// Data types, from widest to narrowest.
const (
	FP32 DType = iota
	FP16
	INT8
	INT4
	numDTypes
)

var dtypeNames = [numDTypes]string{"fp32", "fp16", "int8", "int4"}

func (d DType) String() string {
	if d < 0 || d >= numDTypes {
		return fmt.Sprintf("DType(%d)", int(d))
	}
	return dtypeNames[d]
}

// Bytes returns the size of one element.
func (d DType) Bytes() float64 {
	return [numDTypes]float64{4, 2, 1, 0.5}[d]
}

// ParseDType reads a data type name: fp32, fp16 (or bf16), int8, int4.
func ParseDType(s string) (DType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fp32", "f32", "float32":
		return FP32, nil
	case "fp16", "f16", "bf16", "float16":
		return FP16, nil
	case "int8", "i8", "w8a8":
		return INT8, nil
	case "int4", "i4":
		return INT4, nil
	}
	return 0, fmt.Errorf("unknown data type %q (known: fp32, fp16, int8, int4)", s)
}

// MarshalText and UnmarshalText let a DType appear in data files by name.
func (d DType) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a DType name.
func (d *DType) UnmarshalText(b []byte) error {
	v, err := ParseDType(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
