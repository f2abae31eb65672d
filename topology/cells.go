package topology

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/mecsim/mecsim/sim"
)

//go:embed data/cqi.csv data/cells.csv data/wired.csv
var dataFS embed.FS

// Errors wrapped by the catalogue's look-ups for a name it does not hold.
var (
	ErrUnknownCell     = errors.New("topology: unknown cell preset")
	ErrUnknownWired    = errors.New("topology: unknown wired link preset")
	ErrUnknownCQITable = errors.New("topology: unknown CQI table")
)

// Technologies a cell preset may have.
const (
	TechLTE  = "lte"
	TechNR   = "nr"
	TechWiFi = "wifi"
)

// Cell is a radio access cell type: its carrier, resource grid, antennas,
// path-loss model and the link budgets of its two directions. Presets
// come from the catalogue's cells.csv, each with its sources.
type Cell struct {
	Name         string
	Technology   string  // TechLTE, TechNR or TechWiFi
	PathLossName string  // a model NewPathLoss knows; its shadowing comes with it
	CarrierGHz   float64 // carrier frequency, GHz
	BandwidthHz  float64 // channel bandwidth, Hz
	RBs          int     // resource blocks (Wi-Fi: 26-tone resource units)
	RBHz         float64 // bandwidth of one RB, Hz
	TTI          sim.Time
	ISD          float64 // inter-site distance of the reference layout, m
	BSHeight     float64 // base-station (access-point) antenna height, m
	UEHeight     float64 // user antenna height, m
	// Downlink is the base station's transmission to a phone (its power,
	// the phone's noise figure); Uplink the phone's to the base station.
	Downlink, Uplink LinkBudget
	Source           string
}

// Model returns the cell's path-loss model at its carrier and heights.
func (c Cell) Model() (PathLoss, error) {
	return NewPathLoss(c.PathLossName, c.CarrierGHz, c.BSHeight, c.UEHeight)
}

// OccupiedHz returns the bandwidth of the resource grid, RBs × RBHz: what
// a transfer given the whole cell occupies (the channel less guard bands).
func (c Cell) OccupiedHz() float64 { return float64(c.RBs) * c.RBHz }

// DownlinkGrid returns the downlink resource grid.
func (c Cell) DownlinkGrid() Grid {
	return Grid{RBs: c.RBs, RBHz: c.RBHz, TTI: c.TTI, Rate: c.Downlink.Rate}
}

// UplinkGrid returns the uplink resource grid.
func (c Cell) UplinkGrid() Grid {
	return Grid{RBs: c.RBs, RBHz: c.RBHz, TTI: c.TTI, Rate: c.Uplink.Rate}
}

// Wired is a wired link preset: a WANLink with its name and source.
type Wired struct {
	Name string
	WANLink
	Source string
}

// Catalogue holds the cell presets, the wired link presets and the CQI
// tables they refer to, each looked up by name. A Catalogue is immutable
// once parsed and safe for concurrent use.
type Catalogue struct {
	cells map[string]Cell
	wired map[string]Wired
	cqi   map[string]*CQITable
}

// CatalogueFiles are the three tables of a catalogue, as CSV: the CQI
// tables (columns table, cqi, modulation, code_rate_x1024, efficiency,
// sinr_db, source), the cell presets (the columns of the embedded
// data/cells.csv, whose header comment explains them) and the wired
// presets (name, bandwidth_gbps, latency_ms, source). A nil reader takes
// the embedded table, so a file of cell presets alone can use the built-in
// CQI tables. Names label errors.
type CatalogueFiles struct {
	CQI, Cells, Wired             io.Reader
	CQIName, CellsName, WiredName string
}

// DefaultCatalogue returns the built-in catalogue parsed from the embedded
// data/cqi.csv, data/cells.csv and data/wired.csv. Each call parses afresh
// and returns a catalogue of its own.
func DefaultCatalogue() (*Catalogue, error) { return ParseCatalogue(CatalogueFiles{}) }

// ParseCatalogue reads a catalogue. Lines starting with '#' are comments;
// every row must give its source; names must be unique within a table; a
// cell must name a CQI table of the same catalogue and a path-loss model
// whose ranges its carrier and heights respect. An error names the file,
// line and column as a *ParseError.
func ParseCatalogue(f CatalogueFiles) (*Catalogue, error) {
	embedded := func(r *io.Reader, name *string, file string) {
		if *r == nil {
			b, err := dataFS.ReadFile(file)
			if err != nil {
				panic(err) // embedded at build time: cannot fail
			}
			*r, *name = bytes.NewReader(b), "embedded "+file
		}
	}
	embedded(&f.CQI, &f.CQIName, "data/cqi.csv")
	embedded(&f.Cells, &f.CellsName, "data/cells.csv")
	embedded(&f.Wired, &f.WiredName, "data/wired.csv")
	c := &Catalogue{cells: map[string]Cell{}, wired: map[string]Wired{}, cqi: map[string]*CQITable{}}
	if err := c.parseCQI(f.CQIName, f.CQI); err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	if err := c.parseCells(f.CellsName, f.Cells); err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	if err := c.parseWired(f.WiredName, f.Wired); err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	return c, nil
}

// Cell returns the preset called name, or an error wrapping ErrUnknownCell
// that lists the known names.
func (c *Catalogue) Cell(name string) (Cell, error) {
	if p, ok := c.cells[name]; ok {
		return p, nil
	}
	return Cell{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownCell, name, strings.Join(c.CellNames(), ", "))
}

// Wired returns the wired preset called name, or an error wrapping
// ErrUnknownWired that lists the known names.
func (c *Catalogue) Wired(name string) (Wired, error) {
	if p, ok := c.wired[name]; ok {
		return p, nil
	}
	return Wired{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownWired, name, strings.Join(c.WiredNames(), ", "))
}

// CQITable returns the table called name, or an error wrapping
// ErrUnknownCQITable that lists the known names.
func (c *Catalogue) CQITable(name string) (*CQITable, error) {
	if t, ok := c.cqi[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownCQITable, name, strings.Join(c.CQITableNames(), ", "))
}

// CellNames returns the cell presets' names, sorted.
func (c *Catalogue) CellNames() []string { return sortedKeys(c.cells) }

// WiredNames returns the wired presets' names, sorted.
func (c *Catalogue) WiredNames() []string { return sortedKeys(c.wired) }

// CQITableNames returns the CQI tables' names, sorted.
func (c *Catalogue) CQITableNames() []string { return sortedKeys(c.cqi) }

func (c *Catalogue) parseCQI(file string, r io.Reader) error {
	rows, err := readCSVTable(file, r, []string{"table", "cqi", "modulation", "code_rate_x1024", "efficiency", "sinr_db", "source"})
	if err != nil {
		return err
	}
	var order []string
	entries := map[string][]CQIEntry{}
	firstLine := map[string]int{}
	for _, r := range rows {
		var e CQIEntry
		table, err := r.name("table")
		if err != nil {
			return err
		}
		if e.CQI, err = r.integer("cqi", 1); err != nil {
			return err
		}
		if e.Modulation, err = r.text("modulation"); err != nil {
			return err
		}
		if e.CodeRate, err = r.number("code_rate_x1024", "> 0 and < 1024", func(v float64) bool { return v > 0 && v < 1024 }); err != nil {
			return err
		}
		if e.Efficiency, err = r.number("efficiency", "> 0", isPositive); err != nil {
			return err
		}
		if e.SINRDB, err = r.number("sinr_db", "", nil); err != nil {
			return err
		}
		if e.Source, err = r.text("source"); err != nil {
			return err
		}
		if _, seen := entries[table]; !seen {
			order = append(order, table)
			firstLine[table] = r.line
		}
		if prev := entries[table]; len(prev) > 0 {
			p := prev[len(prev)-1]
			if e.CQI <= p.CQI || e.SINRDB <= p.SINRDB || e.Efficiency <= p.Efficiency {
				return r.errorf("cqi", "CQI %d (%v dB, %v bit/s/Hz) does not rise above the previous row's CQI %d (%v dB, %v bit/s/Hz)",
					e.CQI, e.SINRDB, e.Efficiency, p.CQI, p.SINRDB, p.Efficiency)
			}
		}
		entries[table] = append(entries[table], e)
	}
	if len(order) == 0 {
		return &ParseError{File: file, Line: 1, Err: errors.New("no CQI tables")}
	}
	for _, name := range order {
		t, err := NewCQITable(name, entries[name])
		if err != nil {
			return &ParseError{File: file, Line: firstLine[name], Column: "table", Err: err}
		}
		c.cqi[name] = t
	}
	return nil
}

var cellColumns = []string{
	"name", "technology", "pathloss", "carrier_ghz", "bandwidth_mhz", "rbs", "rb_khz", "tti_ms", "isd_m",
	"bs_height_m", "ue_height_m", "bs_power_dbm", "ue_power_dbm", "bs_noise_figure_db", "ue_noise_figure_db",
	"dl_efficiency", "ul_efficiency", "dl_min_sinr_db", "ul_min_sinr_db", "dl_max_se", "ul_max_se",
	"dl_cqi", "ul_cqi", "source",
}

func (c *Catalogue) parseCells(file string, r io.Reader) error {
	rows, err := readCSVTable(file, r, cellColumns)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return &ParseError{File: file, Line: 1, Err: errors.New("no cell presets")}
	}
	lines := map[string]int{}
	for _, r := range rows {
		p, err := c.parseCell(r)
		if err != nil {
			return err
		}
		if first, dup := lines[p.Name]; dup {
			return r.errorf("name", "cell %q already defined on line %d", p.Name, first)
		}
		lines[p.Name] = r.line
		c.cells[p.Name] = p
	}
	return nil
}

func (c *Catalogue) parseCell(r csvRow) (Cell, error) {
	var p Cell
	var err error
	if p.Name, err = r.name("name"); err != nil {
		return p, err
	}
	tech := r.fields["technology"]
	if !slices.Contains([]string{TechLTE, TechNR, TechWiFi}, tech) {
		return p, r.errorf("technology", "%q: want %s, %s or %s", tech, TechLTE, TechNR, TechWiFi)
	}
	p.Technology = tech
	p.PathLossName = r.fields["pathloss"]

	// Plain numbers, each with its check.
	var mhz, khz, ttiMS, bsDBm, ueDBm, bsNF, ueNF float64
	for _, f := range []struct {
		column, want string
		ok           func(float64) bool
		dst          *float64
	}{
		{"carrier_ghz", "> 0", isPositive, &p.CarrierGHz},
		{"bandwidth_mhz", "> 0", isPositive, &mhz},
		{"rb_khz", "> 0", isPositive, &khz},
		{"tti_ms", "> 0", isPositive, &ttiMS},
		{"isd_m", "> 0", isPositive, &p.ISD},
		{"bs_height_m", "> 0", isPositive, &p.BSHeight},
		{"ue_height_m", "> 0", isPositive, &p.UEHeight},
		{"bs_power_dbm", "", nil, &bsDBm},
		{"ue_power_dbm", "", nil, &ueDBm},
		{"bs_noise_figure_db", "≥ 0", isNonNegative, &bsNF},
		{"ue_noise_figure_db", "≥ 0", isNonNegative, &ueNF},
	} {
		if *f.dst, err = r.number(f.column, f.want, f.ok); err != nil {
			return p, err
		}
	}
	p.BandwidthHz, p.RBHz, p.TTI = mhz*1e6, khz*1e3, sim.Seconds(ttiMS/1e3)
	if p.RBs, err = r.integer("rbs", 1); err != nil {
		return p, err
	}
	if occ := p.OccupiedHz(); occ > p.BandwidthHz*(1+1e-12) {
		return p, r.errorf("rbs", "%d RBs of %v kHz occupy %v MHz, more than the %v MHz channel", p.RBs, khz, occ/1e6, mhz)
	}
	if _, err := p.Model(); err != nil {
		return p, r.errorf("pathloss", "%v", err)
	}
	p.Downlink.TxPowerDBm, p.Uplink.TxPowerDBm = bsDBm, ueDBm
	p.Downlink.Channel = Channel{NoiseDBmPerHz: ThermalNoiseDBmPerHz, NoiseFigureDB: ueNF}
	p.Uplink.Channel = Channel{NoiseDBmPerHz: ThermalNoiseDBmPerHz, NoiseFigureDB: bsNF}
	for _, d := range []struct {
		prefix string
		b      *LinkBudget
	}{{"dl_", &p.Downlink}, {"ul_", &p.Uplink}} {
		m := &d.b.Rate
		if m.Efficiency, err = r.number(d.prefix+"efficiency", "0 < η ≤ 1", isFraction); err != nil {
			return p, err
		}
		minDB, err := r.optNumber(d.prefix+"min_sinr_db", math.Inf(-1))
		if err != nil {
			return p, err
		}
		m.MinSINR = FromDB(minDB) // −∞ dB gives 0: no floor
		if m.MaxSpectralEff, err = r.number(d.prefix+"max_se", "> 0", isPositive); err != nil {
			return p, err
		}
		d.b.Channel.MaxSpectralEff = m.MaxSpectralEff
		if name := r.fields[d.prefix+"cqi"]; name != "" {
			if m.CQI, err = c.CQITable(name); err != nil {
				return p, r.errorf(d.prefix+"cqi", "%v", err)
			}
		}
	}
	if p.Source, err = r.text("source"); err != nil {
		return p, err
	}
	return p, nil
}

func (c *Catalogue) parseWired(file string, r io.Reader) error {
	rows, err := readCSVTable(file, r, []string{"name", "bandwidth_gbps", "latency_ms", "source"})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return &ParseError{File: file, Line: 1, Err: errors.New("no wired presets")}
	}
	lines := map[string]int{}
	for _, r := range rows {
		var w Wired
		if w.Name, err = r.name("name"); err != nil {
			return err
		}
		gbps, err := r.number("bandwidth_gbps", "> 0", isPositive)
		if err != nil {
			return err
		}
		ms, err := r.number("latency_ms", "≥ 0", isNonNegative)
		if err != nil {
			return err
		}
		w.Bandwidth, w.Latency = gbps*1e9, ms/1e3
		if w.Source, err = r.text("source"); err != nil {
			return err
		}
		if first, dup := lines[w.Name]; dup {
			return r.errorf("name", "wired link %q already defined on line %d", w.Name, first)
		}
		lines[w.Name] = r.line
		c.wired[w.Name] = w
	}
	return nil
}

// sortedKeys returns the keys of m in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
