package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
)

// Grid is a sweep expanded: every point of the cartesian product of its
// parameters' values, each with its config, in order (the first parameter
// varying slowest).
type Grid struct {
	Base         *Config // the experiment as loaded, its sweep included
	Keys         []string
	Replications int
	Points       []GridPoint
	hash         string // of Base's resolved TOML
}

// GridPoint is one point of a grid.
type GridPoint struct {
	Index  int      // position in the grid
	Values []string // canonical text of each key's value (numbers exact, durations in seconds)
	Label  string   // "key=value,key=value", in the order of the keys
	ID     string   // 16 hex digits of the SHA-256 of Label: the point's name in file names and tables
	config *Config  // Base with the values set, without its sweep
}

// maxGridErrors bounds the points whose problems Grid reports.
const maxGridErrors = 10

// Grid expands c's sweep and validates every point. Without a sweep the
// grid has one point, the experiment as it is (no keys, label "").
func (e Env) Grid(c *Config) (*Grid, error) {
	if c.Environment == EnvReference {
		return nil, fmt.Errorf("%s: the reference environment is trained and evaluated by \"mecsim train\"", c.Name)
	}
	var toml bytes.Buffer
	if err := c.WriteTOML(&toml); err != nil {
		return nil, fmt.Errorf("sweep: resolving the config: %w", err)
	}
	sum := sha256.Sum256(toml.Bytes())
	g := &Grid{Base: c, Replications: c.Sweep.replications(), hash: hex.EncodeToString(sum[:])}

	var v validator
	var lists [][]sweepValue
	for _, p := range c.Sweep.params() {
		g.Keys = append(g.Keys, p.Key)
		lists = append(lists, p.values(c, &v))
	}
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	total := 1
	for _, l := range lists {
		if total > maxSweepPoints/max(1, len(l)) {
			return nil, InputErrors{{Key: "sweep", Msg: fmt.Sprintf("the grid has more than the %d points a sweep may have", maxSweepPoints)}}
		}
		total *= len(l)
	}

	known := e.Known()
	var bad InputErrors
	badPoints := 0
	odometer := make([]int, len(lists))
	for i := range total {
		texts := make([]string, len(lists))
		vals := make([]any, len(lists))
		for k, l := range lists {
			texts[k], vals[k] = l[odometer[k]].text, l[odometer[k]].v
		}
		pc, err := c.with(g.Keys, vals)
		if err != nil {
			return nil, InputErrors{{Key: "sweep", Msg: err.Error(), Err: err}}
		}
		pc.Pareto = false
		pt := GridPoint{Index: i, Values: texts, Label: label(g.Keys, texts), config: pc}
		id := sha256.Sum256([]byte(pt.Label))
		pt.ID = hex.EncodeToString(id[:8])
		if err := pc.Validate(known); err != nil {
			if badPoints++; badPoints <= maxGridErrors {
				bad = append(bad, &InputError{Key: "sweep", Msg: fmt.Sprintf("point %s: %s", pt.Label, strings.ReplaceAll(err.Error(), "\n", "; ")), Err: err})
			}
		}
		g.Points = append(g.Points, pt)
		for k := len(odometer) - 1; k >= 0; k-- { // the last key varies fastest
			if odometer[k]++; odometer[k] < len(lists[k]) {
				break
			}
			odometer[k] = 0
		}
	}
	if badPoints > maxGridErrors {
		bad = append(bad, &InputError{Key: "sweep", Msg: fmt.Sprintf("and %d more points", badPoints-maxGridErrors)})
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return g, nil
}

func label(keys, values []string) string {
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = keys[i] + "=" + values[i]
	}
	return strings.Join(parts, ",")
}

// Seed returns the master seed of replication rep (from 0) of point p:
// derived with sim.Streams from the experiment's seed, the point's label
// (its keys and values, not its place in the grid) and rep. A point
// therefore keeps its seeds when the grid around it grows or shrinks, and
// runs alone to the same rows as within its sweep.
func (g *Grid) Seed(p GridPoint, rep int) uint64 {
	return sim.NewStreams(g.Base.Seed).Derive("sweep/" + p.Label).Derive("rep/" + strconv.Itoa(rep)).Seed()
}

// Config returns the config of replication rep of point p: the point's
// values set, and its derived seed.
func (g *Grid) Config(p GridPoint, rep int) *Config {
	c := *p.config
	c.Seed = g.Seed(p, rep)
	return &c
}

// Find returns the point that spec names: its ID (as in runs.csv's point
// column), or its values as "key=value,key=value" with every key of the
// sweep in any order and the values as the file could write them
// ("phones.count=20", "radio.time_to_trigger=100ms").
func (g *Grid) Find(spec string) (GridPoint, error) {
	for _, p := range g.Points {
		if p.ID == spec || p.Label == spec {
			return p, nil
		}
	}
	want, err := g.parseLabel(spec)
	if err != nil {
		return GridPoint{}, err
	}
	for _, p := range g.Points {
		if slices.Equal(p.Values, want) {
			return p, nil
		}
	}
	return GridPoint{}, fmt.Errorf("no point %q in the grid: name a point by its id (runs.csv's point column) or its values, such as %q", spec, g.Points[0].Label)
}

// parseLabel reads "key=value,…" into canonical values in the order of
// g.Keys.
func (g *Grid) parseLabel(spec string) ([]string, error) {
	want := make([]string, len(g.Keys))
	found := make([]bool, len(g.Keys))
	for _, kv := range strings.Split(spec, ",") {
		k, val, ok := strings.Cut(kv, "=")
		i := slices.Index(g.Keys, strings.TrimSpace(k))
		if !ok || i < 0 {
			return nil, fmt.Errorf("point %q: want an id or key=value pairs of the keys %s", spec, strings.Join(g.Keys, ", "))
		}
		_, kind, err := g.Base.leaf(g.Keys[i])
		if err != nil {
			return nil, err
		}
		n, err := normalise(kind, parseScalar(strings.TrimSpace(val), kind))
		if err != nil {
			return nil, fmt.Errorf("point %q: %s %v", spec, g.Keys[i], err)
		}
		want[i], found[i] = canonical(n), true
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("point %q: no value for %s", spec, g.Keys[i])
		}
	}
	return want, nil
}

// parseScalar reads text from the command line as the file would hold a
// value of kind k.
func parseScalar(text string, k leafKind) any {
	switch k {
	case leafInt, leafFloat, leafDuration:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return f
		}
	case leafBool:
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	}
	return text
}

// Manifest describes the grid for the folders of its parts, so that a
// merge can tell which points belong and which are missing.
func (g *Grid) Manifest() results.SweepManifest {
	m := results.SweepManifest{
		Experiment:   g.Base.Name,
		Seed:         g.Base.Seed,
		ConfigSHA256: g.hash,
		Keys:         slices.Clone(g.Keys),
		Replications: g.Replications,
		Policies:     slices.Clone(g.Base.Policies),
	}
	for _, p := range g.Points {
		m.Points = append(m.Points, results.ManifestPoint{ID: p.ID, Values: slices.Clone(p.Values)})
	}
	return m
}
