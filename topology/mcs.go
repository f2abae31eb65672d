package topology

import (
	"fmt"
	"math"
)

// CQIEntry is one row of a CQI table: what a link uses from the SINR
// threshold up to the next entry's.
type CQIEntry struct {
	CQI        int     // index, 1–15
	Modulation string  // QPSK, 16QAM, 64QAM, 256QAM
	CodeRate   float64 // code rate × 1024, as the standard lists it
	Efficiency float64 // bit/s/Hz
	SINRDB     float64 // lowest SINR in dB at which the index is used
	Source     string
}

// CQITable maps SINR to the spectral efficiency of the best channel
// quality index a link can use: 3GPP TS 38.214 Table 5.2.2.1-2 (up to
// 64QAM) or 5.2.2.1-3 (up to 256QAM) with SINR thresholds, read from the
// catalogue's cqi.csv. An SINR below CQI 1's threshold is "out of range"
// (CQI 0) and gives efficiency 0. A CQITable is immutable once built and
// safe for concurrent use.
type CQITable struct {
	name    string
	entries []CQIEntry
	sinr    []float64 // linear thresholds, rising
}

// NewCQITable returns a table of entries, which must have rising CQI
// indices, thresholds and efficiencies, and finite positive efficiencies.
func NewCQITable(name string, entries []CQIEntry) (*CQITable, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("topology: CQI table %q has no entries", name)
	}
	t := &CQITable{name: name, entries: append([]CQIEntry(nil), entries...)}
	for i, e := range t.entries {
		if !(e.Efficiency > 0) || math.IsInf(e.Efficiency, 0) || math.IsNaN(e.SINRDB) || math.IsInf(e.SINRDB, 0) {
			return nil, fmt.Errorf("topology: CQI table %q, CQI %d: efficiency %v and threshold %v dB: want a finite efficiency > 0 and a finite threshold",
				name, e.CQI, e.Efficiency, e.SINRDB)
		}
		if i > 0 {
			p := t.entries[i-1]
			if e.CQI <= p.CQI || e.SINRDB <= p.SINRDB || e.Efficiency <= p.Efficiency {
				return nil, fmt.Errorf("topology: CQI table %q: CQI %d (%v dB, %v bit/s/Hz) does not rise above CQI %d (%v dB, %v bit/s/Hz)",
					name, e.CQI, e.SINRDB, e.Efficiency, p.CQI, p.SINRDB, p.Efficiency)
			}
		}
		t.sinr = append(t.sinr, FromDB(e.SINRDB))
	}
	return t, nil
}

// Name returns the table's name.
func (t *CQITable) Name() string { return t.name }

// Entries returns a copy of the table's rows.
func (t *CQITable) Entries() []CQIEntry { return append([]CQIEntry(nil), t.entries...) }

// Lookup returns the highest CQI whose threshold the linear SINR sinr
// reaches and its efficiency, or 0 and 0 below the first threshold.
func (t *CQITable) Lookup(sinr float64) (cqi int, efficiency float64) {
	i := t.index(sinr)
	if i < 0 {
		return 0, 0
	}
	return t.entries[i].CQI, t.entries[i].Efficiency
}

// SpectralEff returns the efficiency in bit/s/Hz at the linear SINR sinr.
func (t *CQITable) SpectralEff(sinr float64) float64 {
	_, se := t.Lookup(sinr)
	return se
}

// MaxSpectralEff returns the efficiency of the highest index.
func (t *CQITable) MaxSpectralEff() float64 { return t.entries[len(t.entries)-1].Efficiency }

// index returns the position of the highest threshold ≤ sinr, or −1.
func (t *CQITable) index(sinr float64) int {
	// Tables have 15 rows: a linear scan from the top is as fast as a
	// binary search and needs no care with NaN.
	for i := len(t.sinr) - 1; i >= 0; i-- {
		if sinr >= t.sinr[i] {
			return i
		}
	}
	return -1
}
