package d2d

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mecsim/mecsim/topology"
)

//go:embed links.csv
var linksCSV string

// ThermalNoiseDBmPerHz is the thermal noise density kT at 290 K.
const ThermalNoiseDBmPerHz = -174.0

// speedOfLight is c in m/s.
const speedOfLight = 299792458.0

// Link is a D2D radio between two phones of the same kind: its channel, its
// transmit power, its path loss, its range and what it costs the batteries.
// Both directions of a link use the same numbers. Presets come from
// Presets; a scenario may also build its own and check it with Validate.
//
// The received power at distance d is TxDBm − PathLoss(d), and the rate is
// Shannon's over BandwidthHz at that power against thermal noise raised by
// NoiseFigureDB, capped at MaxSpectralEff·BandwidthHz (topology.Channel).
// It ignores shadowing, fading, interference and MAC overhead: it is the
// rate of a clear channel at the distance's mean loss.
type Link struct {
	Name             string
	Tech             string  // "wifi-direct", "lte-sidelink", "nr-sidelink", …
	CarrierHz        float64 // centre frequency
	BandwidthHz      float64
	TxDBm            float64 // conducted transmit power
	NoiseFigureDB    float64
	MaxSpectralEff   float64 // bit/s/Hz ceiling; 0 means none
	PathLossExponent float64 // n of the log-distance model; 2 is free space
	RefDistance      float64 // d0, m: the loss is FSPL(d0) at and below it
	Range            float64 // m: no link beyond it
	TxElectricalW    float64 // battery power while sending, W
	RxElectricalW    float64 // battery power while receiving, W
	Source           string
}

// Validate reports every field out of range, as one error.
func (l Link) Validate() error {
	var errs []error
	positive := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("d2d: link %q: %s = %v, want a positive finite value", l.Name, name, v))
		}
	}
	positive("CarrierHz", l.CarrierHz)
	positive("BandwidthHz", l.BandwidthHz)
	positive("PathLossExponent", l.PathLossExponent)
	positive("RefDistance", l.RefDistance)
	positive("Range", l.Range)
	for _, f := range []struct {
		name string
		v    float64
	}{{"TxDBm", l.TxDBm}, {"NoiseFigureDB", l.NoiseFigureDB}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Errorf("d2d: link %q: %s = %v, want a finite value", l.Name, f.name, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"MaxSpectralEff", l.MaxSpectralEff}, {"TxElectricalW", l.TxElectricalW}, {"RxElectricalW", l.RxElectricalW}} {
		if !(f.v >= 0) || math.IsInf(f.v, 1) {
			errs = append(errs, fmt.Errorf("d2d: link %q: %s = %v, want a finite value ≥ 0", l.Name, f.name, f.v))
		}
	}
	return errors.Join(errs...)
}

// Channel returns the noise side of the link budget.
func (l Link) Channel() topology.Channel {
	return topology.Channel{NoiseDBmPerHz: ThermalNoiseDBmPerHz, NoiseFigureDB: l.NoiseFigureDB, MaxSpectralEff: l.MaxSpectralEff}
}

// PathLoss returns the loss in dB at distance d metres under the
// log-distance model (Rappaport, Wireless Communications, 2nd ed., 2002,
// §4.9.1, eq. 4.69):
//
//	PL(d) = FSPL(d0) + 10·n·log10(d/d0),  FSPL(d0) = 20·log10(4π·d0·f/c)
//
// with FSPL the Friis free-space loss at the reference distance d0 =
// RefDistance and n = PathLossExponent. Distances below d0, including
// co-located phones, get FSPL(d0).
func (l Link) PathLoss(d float64) float64 {
	d0 := l.RefDistance
	fspl := 20 * math.Log10(4*math.Pi*d0*l.CarrierHz/speedOfLight)
	return fspl + 10*l.PathLossExponent*math.Log10(max(d, d0)/d0)
}

// InRange reports whether phones d metres apart can use the link: 0 ≤ d ≤
// Range.
func (l Link) InRange(d float64) bool { return d >= 0 && d <= l.Range }

// ReceivedWatts returns the power in watts received d metres from the
// sender, TxDBm − PathLoss(d), in or out of range: what a
// topology.SharedLink needs when several D2D transfers share one channel.
func (l Link) ReceivedWatts(d float64) float64 { return topology.DBmToWatts(l.TxDBm - l.PathLoss(d)) }

// Rate returns the link's rate in bit/s between phones d metres apart, or
// 0 beyond its range.
func (l Link) Rate(d float64) float64 {
	if !l.InRange(d) {
		return 0
	}
	return l.Channel().Rate(l.BandwidthHz, l.ReceivedWatts(d))
}

// TransferTime returns the seconds to send bytes between phones d metres
// apart, and false (with +Inf) when they are out of range or bytes is
// negative or NaN.
func (l Link) TransferTime(bytes, d float64) (float64, bool) {
	r := l.Rate(d)
	if !(r > 0) || !(bytes >= 0) {
		return math.Inf(1), false
	}
	return 8 * bytes / r, true
}

// SenderEnergy returns the joules the sender's battery pays to send bytes
// to a phone d metres away: TxElectricalW × TransferTime. The electrical
// power is drawn whatever the rate, so a distant peer costs more energy
// per byte. It returns 0 and false when the transfer cannot happen (see
// TransferTime).
func (l Link) SenderEnergy(bytes, d float64) (float64, bool) {
	t, ok := l.TransferTime(bytes, d)
	if !ok {
		return 0, false
	}
	return l.TxElectricalW * t, true
}

// ReceiverEnergy returns the joules the receiver's battery pays for the same
// transfer: RxElectricalW × TransferTime, or 0 and false.
func (l Link) ReceiverEnergy(bytes, d float64) (float64, bool) {
	t, ok := l.TransferTime(bytes, d)
	if !ok {
		return 0, false
	}
	return l.RxElectricalW * t, true
}

// Presets returns the built-in links, parsed from the embedded links.csv,
// in file order. Each call returns a fresh slice.
func Presets() ([]Link, error) {
	links, err := ParseLinks(strings.NewReader(linksCSV))
	if err != nil {
		return nil, fmt.Errorf("d2d: embedded links.csv: %w", err)
	}
	return links, nil
}

// Preset returns the built-in link called name. An unknown name is an
// error listing the known ones.
func Preset(name string) (Link, error) {
	links, err := Presets()
	if err != nil {
		return Link{}, err
	}
	names := make([]string, len(links))
	for i, l := range links {
		if l.Name == name {
			return l, nil
		}
		names[i] = l.Name
	}
	return Link{}, fmt.Errorf("d2d: unknown link preset %q (known: %s)", name, strings.Join(names, ", "))
}

// ParseError reports a malformed line of a links file.
type ParseError struct {
	Line   int    // 1-based line of the input
	Column string // the offending column, or "" when the line as a whole is at fault
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, column %s: %v", e.Line, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// linkColumns are the columns of a links file.
var linkColumns = []string{
	"name", "tech", "carrier_ghz", "bandwidth_mhz", "tx_dbm", "noise_figure_db", "max_spectral_eff",
	"path_loss_exponent", "ref_distance_m", "range_m", "tx_electrical_w", "rx_electrical_w", "source",
}

// ParseLinks reads links in CSV form, as in the embedded links.csv: a
// header naming exactly the columns name, tech, carrier_ghz,
// bandwidth_mhz, tx_dbm, noise_figure_db, max_spectral_eff,
// path_loss_exponent, ref_distance_m, range_m, tx_electrical_w,
// rx_electrical_w and source, in any order, then one link a line; lines
// starting with '#' are comments. Names must be unique, every link must
// pass Validate and give its source. An error names the line, as a
// *ParseError.
func ParseLinks(r io.Reader) ([]Link, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Err: errors.New("no header")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	index := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		if !slices.Contains(linkColumns, name) {
			return nil, &ParseError{Line: headerLine, Column: name,
				Err: fmt.Errorf("unknown column (want %s)", strings.Join(linkColumns, ", "))}
		}
		if _, dup := index[name]; dup {
			return nil, &ParseError{Line: headerLine, Column: name, Err: errors.New("duplicate column")}
		}
		index[name] = i
	}
	for _, name := range linkColumns {
		if _, ok := index[name]; !ok {
			return nil, &ParseError{Line: headerLine, Column: name, Err: errors.New("missing column")}
		}
	}
	var links []Link
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		field := func(name string) string { return strings.TrimSpace(rec[index[name]]) }
		var perr *ParseError
		num := func(name string, scale float64) float64 {
			if perr != nil {
				return 0
			}
			v, err := strconv.ParseFloat(field(name), 64)
			if err != nil {
				perr = &ParseError{Line: line, Column: name, Err: fmt.Errorf("not a number: %q", field(name))}
			}
			return v * scale
		}
		l := Link{
			Name:             field("name"),
			Tech:             field("tech"),
			CarrierHz:        num("carrier_ghz", 1e9),
			BandwidthHz:      num("bandwidth_mhz", 1e6),
			TxDBm:            num("tx_dbm", 1),
			NoiseFigureDB:    num("noise_figure_db", 1),
			MaxSpectralEff:   num("max_spectral_eff", 1),
			PathLossExponent: num("path_loss_exponent", 1),
			RefDistance:      num("ref_distance_m", 1),
			Range:            num("range_m", 1),
			TxElectricalW:    num("tx_electrical_w", 1),
			RxElectricalW:    num("rx_electrical_w", 1),
			Source:           field("source"),
		}
		if perr != nil {
			return nil, perr
		}
		for _, c := range []string{"name", "tech", "source"} {
			if field(c) == "" {
				return nil, &ParseError{Line: line, Column: c, Err: errors.New("empty")}
			}
		}
		if slices.ContainsFunc(links, func(o Link) bool { return o.Name == l.Name }) {
			return nil, &ParseError{Line: line, Column: "name", Err: fmt.Errorf("duplicate link %q", l.Name)}
		}
		if err := l.Validate(); err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		links = append(links, l)
	}
	return links, nil
}

// csvError turns an encoding/csv error into a *ParseError naming its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Err: pe.Err}
	}
	return err
}
