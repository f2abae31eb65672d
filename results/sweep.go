package results

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// SweepRow is one row of a sweep's runs.csv: one policy in one replication
// of one point of the grid.
type SweepRow struct {
	Point       string   // the point's id
	Values      []string // the swept values, in the order of the sweep's keys
	Replication int      // from 0
	Seed        uint64   // the replication's master seed
	Policy      string
	Metrics     []float64 // in the order of SweepMetrics
}

// SweepMetrics names the metrics of a sweep's tables: every number of a
// PolicySummary (counts, latencies, rates, energies), by its summary.json
// name, in the order of the struct. Maps (place fractions, kinds) are left
// out.
func SweepMetrics() []string {
	var names []string
	for _, f := range metricFields() {
		names = append(names, f.name)
	}
	return names
}

// MetricsOf returns s's metrics in the order of SweepMetrics.
func MetricsOf(s PolicySummary) []float64 {
	v := reflect.ValueOf(s)
	fs := metricFields()
	out := make([]float64, len(fs))
	for i, f := range fs {
		x := v.Field(f.index)
		if x.CanInt() {
			out[i] = float64(x.Int())
		} else {
			out[i] = x.Float()
		}
	}
	return out
}

type metricField struct {
	name  string
	index int
}

func metricFields() []metricField {
	t := reflect.TypeFor[PolicySummary]()
	var out []metricField
	for i := range t.NumField() {
		f := t.Field(i)
		switch f.Type.Kind() {
		case reflect.Int, reflect.Float64:
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			out = append(out, metricField{name, i})
		}
	}
	return out
}

// SweepRunsHeader is the header of runs.csv for a sweep of keys:
// point, the keys, replication, seed, policy and the metrics.
func SweepRunsHeader(keys []string) []string {
	h := append([]string{"point"}, keys...)
	h = append(h, "replication", "seed", "policy")
	return append(h, SweepMetrics()...)
}

// WriteSweepRows writes rows as CSV under SweepRunsHeader(keys). Numbers
// are written in the shortest form that reads back to the same float, so
// ReadSweepRows then WriteSweepRows gives the same bytes.
func WriteSweepRows(w io.Writer, keys []string, rows []SweepRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SweepRunsHeader(keys)); err != nil {
		return err
	}
	nm := len(SweepMetrics())
	rec := make([]string, 0, len(keys)+4+nm)
	for _, r := range rows {
		if len(r.Values) != len(keys) || len(r.Metrics) != nm {
			return fmt.Errorf("sweep row of point %s: %d values and %d metrics, want %d and %d", r.Point, len(r.Values), len(r.Metrics), len(keys), nm)
		}
		rec = append(rec[:0], r.Point)
		rec = append(rec, r.Values...)
		rec = append(rec, strconv.Itoa(r.Replication), strconv.FormatUint(r.Seed, 10), r.Policy)
		for _, m := range r.Metrics {
			rec = append(rec, formatFloat(m))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadSweepRows reads what WriteSweepRows wrote, refusing a header other
// than SweepRunsHeader(keys) and any malformed row, with its line.
func ReadSweepRows(r io.Reader, keys []string) ([]SweepRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	want := SweepRunsHeader(keys)
	cr.FieldsPerRecord = len(want)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file: no header")
	}
	if err != nil {
		return nil, err
	}
	if !slices.Equal(header, want) {
		return nil, fmt.Errorf("header %q, want %q (a sweep of other keys, or of another mecsim version)", strings.Join(header, ","), strings.Join(want, ","))
	}
	var rows []SweepRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		k := len(keys)
		row := SweepRow{Point: rec[0], Values: rec[1 : 1+k], Policy: rec[k+3]}
		if row.Replication, err = strconv.Atoi(rec[k+1]); err != nil {
			return nil, fmt.Errorf("line %d: replication: %w", line, err)
		}
		if row.Seed, err = strconv.ParseUint(rec[k+2], 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: seed: %w", line, err)
		}
		for i, s := range rec[k+4:] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", line, want[k+4+i], err)
			}
			row.Metrics = append(row.Metrics, x)
		}
		rows = append(rows, row)
	}
}

// SweepAggregate is one row of aggregate.csv: one policy at one point, each
// metric's mean over the replications and the half-width of its 95%
// confidence interval (Student t with N−1 degrees of freedom; NaN, written
// as an empty cell, with a single replication).
type SweepAggregate struct {
	Point  string
	Values []string
	Policy string
	N      int // replications
	Mean   []float64
	CI95   []float64
}

// SweepAggregateHeader is the header of aggregate.csv: point, the keys,
// policy, replications, then METRIC_mean and METRIC_ci95 for each metric.
func SweepAggregateHeader(keys []string) []string {
	h := append([]string{"point"}, keys...)
	h = append(h, "policy", "replications")
	for _, m := range SweepMetrics() {
		h = append(h, m+"_mean", m+"_ci95")
	}
	return h
}

// WriteSweepAggregates writes rows as CSV under SweepAggregateHeader(keys).
func WriteSweepAggregates(w io.Writer, keys []string, rows []SweepAggregate) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SweepAggregateHeader(keys)); err != nil {
		return err
	}
	var rec []string
	for _, r := range rows {
		rec = append(rec[:0], r.Point)
		rec = append(rec, r.Values...)
		rec = append(rec, r.Policy, strconv.Itoa(r.N))
		for i := range r.Mean {
			ci := ""
			if !math.IsNaN(r.CI95[i]) {
				ci = formatFloat(r.CI95[i])
			}
			rec = append(rec, formatFloat(r.Mean[i]), ci)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SweepManifest is sweep.json: the grid a sweep folder holds points of.
// Every part of one sweep holds the same manifest, whichever shard wrote
// it; a merge refuses parts whose manifests differ.
type SweepManifest struct {
	Experiment   string          `json:"experiment"`
	Seed         uint64          `json:"seed"`
	ConfigSHA256 string          `json:"config_sha256"` // of the resolved experiment (config.toml)
	Keys         []string        `json:"keys"`
	Replications int             `json:"replications"`
	Policies     []string        `json:"policies"`
	Points       []ManifestPoint `json:"points"`
}

// ManifestPoint is one point of a SweepManifest.
type ManifestPoint struct {
	ID     string   `json:"id"`
	Values []string `json:"values"`
}

// WriteSweepManifest writes m as indented JSON ending in a newline.
func WriteSweepManifest(w io.Writer, m SweepManifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

// ReadSweepManifest reads what WriteSweepManifest wrote, refusing unknown
// fields.
func ReadSweepManifest(r io.Reader) (SweepManifest, error) {
	var m SweepManifest
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return SweepManifest{}, err
	}
	return m, nil
}
