package devices

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed data/*.toml
var dataFS embed.FS

// Catalogue holds devices, engines and presets, looked up by name. It is
// immutable once loaded and safe for concurrent use.
type Catalogue struct {
	devices map[string]*Device
	engines map[string]*Engine
	presets map[string]Preset
	aliases map[string]string // lower-case alias → device name
	ealias  map[string]string // lower-case alias → engine name
	// unmodelled maps the lower-case name of a device that measurement
	// tables list but mecsim cannot model to the reason why.
	unmodelled map[string]string
	fits       []fitData // applied once every file is loaded
}

// ErrUnsupported is wrapped by the errors of lookups that find a device or
// engine mecsim knows of but cannot model; the error says why.
var ErrUnsupported = errors.New("devices: not modelled")

// Preset names a placement, so that experiment files can say
// "pixel1-cpu" for the Pixel 1's single big core running TFLite.
type Preset struct {
	Name      string `toml:"name"`
	Device    string `toml:"device"`
	Processor string `toml:"processor"`
	Engine    string `toml:"engine"`
	DType     string `toml:"dtype"` // optional: run vision models in this type instead of the engine's
	Source    string `toml:"source"`
}

// DefaultCatalogue loads the embedded data files. Each call returns a
// catalogue of its own.
func DefaultCatalogue() (*Catalogue, error) {
	return LoadCatalogue(dataFS)
}

// LoadCatalogue reads every *.toml file under data/ in fsys (or at its
// root when there is no data folder). Each file may hold [[device]],
// [[engine]] and [[preset]] tables; unknown keys are errors naming the
// file and key.
func LoadCatalogue(fsys fs.FS) (*Catalogue, error) {
	dir := "data"
	if _, err := fs.Stat(fsys, dir); err != nil {
		dir = "."
	}
	files, err := fs.Glob(fsys, dir+"/*.toml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("devices: no data files")
	}
	sort.Strings(files)
	c := &Catalogue{
		devices: map[string]*Device{}, engines: map[string]*Engine{},
		presets: map[string]Preset{}, aliases: map[string]string{}, ealias: map[string]string{},
		unmodelled: map[string]string{},
	}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := c.add(f, src); err != nil {
			return nil, err
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := c.applyFits(); err != nil {
		return nil, err
	}
	return c, nil
}

// The shapes of the data files, in the units people write: TOPS, GB/s, GB,
// milliseconds.
type fileData struct {
	Device     []deviceData     `toml:"device"`
	Engine     []engineData     `toml:"engine"`
	Preset     []Preset         `toml:"preset"`
	Unmodelled []unmodelledData `toml:"unmodelled"`
	Fit        []fitData        `toml:"fit"`
}

// unmodelledData is a device that measurement tables name but mecsim
// cannot model (a simulated chip, an unnamed GPU), with the reason.
type unmodelledData struct {
	Name   string `toml:"name"`
	Reason string `toml:"reason"`
}

// fitData holds factor values fitted to the calibration table (see Fit):
// for engine on processors of kind, or, with device set, for that device
// alone (an override). Only the values given replace the engine's.
type fitData struct {
	Device            string   `toml:"device"`
	Engine            string   `toml:"engine"`
	Kind              Kind     `toml:"kind"`
	ComputeEff        *float64 `toml:"compute_eff"`
	MemEff            *float64 `toml:"mem_eff"`
	ActivationTraffic *float64 `toml:"activation_traffic"`
	CallOverheadMS    *float64 `toml:"call_overhead_ms"`
	TokenOverheadMS   *float64 `toml:"token_overhead_ms"`
	ChunkOverheadMS   *float64 `toml:"chunk_overhead_ms"`
	Rows              []string `toml:"rows"`
	Source            string   `toml:"source"`
}

type deviceData struct {
	Name         string   `toml:"name"`
	Class        string   `toml:"class"`
	SoC          string   `toml:"soc"`
	Aliases      []string `toml:"aliases"`
	MemoryGB     float64  `toml:"memory_gb"`
	UsableMemory float64  `toml:"usable_memory"`
	BandwidthGBs float64  `toml:"bandwidth_gbs"`
	PairShare    float64  `toml:"pair_share"`
	BasePowerW   float64  `toml:"base_power_w"`
	Source       string   `toml:"source"`
	// AliasProcessor maps an alias that implies one processor ("… 1 big
	// core …") to that processor's name.
	AliasProcessor map[string]string `toml:"alias_processor"`
	Processor      []processorData   `toml:"processor"`
	Thermal        Thermal           `toml:"thermal"`
	Battery        Battery           `toml:"battery"`
	// Engine lists factors fitted for this device alone, replacing the
	// engine's own on the same kind of processor.
	Engine []factorsData `toml:"engine"`
}

type processorData struct {
	Name    string             `toml:"name"`
	Kind    Kind               `toml:"kind"`
	TOPS    map[string]float64 `toml:"tops"` // peak per data type, 1e12 ops/s
	BWShare float64            `toml:"bw_share"`
	ActiveW float64            `toml:"active_w"`
	IdleW   float64            `toml:"idle_w"`
	Source  string             `toml:"source"`
}

type engineData struct {
	Name          string        `toml:"name"`
	Aliases       []string      `toml:"aliases"`
	Source        string        `toml:"source"`
	Unsupported   string        `toml:"unsupported"`
	SyncUS        float64       `toml:"sync_us"`
	SlowSyncUS    float64       `toml:"slow_sync_us"`
	SyncsPerLayer int           `toml:"syncs_per_layer"`
	On            []factorsData `toml:"on"`
}

type factorsData struct {
	Engine            string  `toml:"engine"` // in a device's [[device.engine]] only
	Kind              Kind    `toml:"kind"`
	DType             DType   `toml:"dtype"`
	ComputeEff        float64 `toml:"compute_eff"`
	MemEff            float64 `toml:"mem_eff"`
	ActivationTraffic float64 `toml:"activation_traffic"`
	CallOverheadMS    float64 `toml:"call_overhead_ms"`
	TokenOverheadMS   float64 `toml:"token_overhead_ms"`
	ChunkTokens       int     `toml:"chunk_tokens"`
	ChunkOverheadMS   float64 `toml:"chunk_overhead_ms"`
	StaticKV          bool    `toml:"static_kv"`
	Dequantise        bool    `toml:"dequantise"`
	GraphPrepMS       float64 `toml:"graph_prep_ms_per_token"`
	Source            string  `toml:"source"`
}

func (c *Catalogue) add(file string, src []byte) error {
	var d fileData
	md, err := toml.Decode(string(src), &d)
	if err != nil {
		return fmt.Errorf("devices: %s: %w", file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("devices: %s: unknown keys %s", file, strings.Join(keys, ", "))
	}
	for _, dd := range d.Device {
		dev, err := dd.device()
		if err != nil {
			return fmt.Errorf("devices: %s: %w", file, err)
		}
		if _, dup := c.devices[dev.Name]; dup {
			return fmt.Errorf("devices: %s: device %q defined twice", file, dev.Name)
		}
		c.devices[dev.Name] = dev
	}
	for _, ed := range d.Engine {
		e := &Engine{Name: ed.Name, Source: ed.Source, Aliases: ed.Aliases, Unsupported: ed.Unsupported,
			Sync: ed.SyncUS / 1e6, SlowSync: ed.SlowSyncUS / 1e6, SyncsPerLayer: ed.SyncsPerLayer}
		if !(e.Sync >= 0 && e.SlowSync >= 0 && e.SyncsPerLayer >= 0) {
			return fmt.Errorf("devices: %s: engine %s: negative synchronisation cost", file, e.Name)
		}
		for _, fd := range ed.On {
			f := fd.factors()
			if err := f.validate(); err != nil {
				return fmt.Errorf("devices: %s: engine %s: %w", file, e.Name, err)
			}
			e.On = append(e.On, f)
		}
		if _, dup := c.engines[e.Name]; dup || e.Name == "" {
			return fmt.Errorf("devices: %s: engine %q defined twice or unnamed", file, e.Name)
		}
		c.engines[e.Name] = e
	}
	for _, p := range d.Preset {
		if _, dup := c.presets[p.Name]; dup || p.Name == "" {
			return fmt.Errorf("devices: %s: preset %q defined twice or unnamed", file, p.Name)
		}
		c.presets[p.Name] = p
	}
	for _, u := range d.Unmodelled {
		k := strings.ToLower(strings.TrimSpace(u.Name))
		if _, dup := c.unmodelled[k]; dup || k == "" || u.Reason == "" {
			return fmt.Errorf("devices: %s: unmodelled device %q defined twice, unnamed or without a reason", file, u.Name)
		}
		c.unmodelled[k] = u.Reason
	}
	c.fits = append(c.fits, d.Fit...)
	return nil
}

func (fd factorsData) factors() Factors {
	return Factors{
		Kind: fd.Kind, DType: fd.DType, ComputeEff: fd.ComputeEff, MemEff: fd.MemEff,
		ActivationTraffic: fd.ActivationTraffic,
		CallOverhead:      fd.CallOverheadMS / 1e3, TokenOverhead: fd.TokenOverheadMS / 1e3,
		ChunkTokens: fd.ChunkTokens, ChunkOverhead: fd.ChunkOverheadMS / 1e3,
		StaticKV: fd.StaticKV, Dequantise: fd.Dequantise, GraphPrep: fd.GraphPrepMS / 1e3, Source: fd.Source,
	}
}

func (dd deviceData) device() (*Device, error) {
	d := &Device{
		Name: dd.Name, Class: dd.Class, SoC: dd.SoC, Aliases: dd.Aliases,
		MemoryBytes: dd.MemoryGB * 1e9, UsableMemory: dd.UsableMemory,
		Bandwidth: dd.BandwidthGBs * 1e9, PairShare: dd.PairShare, BasePowerW: dd.BasePowerW,
		Thermal: dd.Thermal, Battery: dd.Battery, Source: dd.Source, AliasProcessor: dd.AliasProcessor,
	}
	for _, pd := range dd.Processor {
		p := Processor{Name: pd.Name, Kind: pd.Kind, BWShare: pd.BWShare, ActiveW: pd.ActiveW, IdleW: pd.IdleW, Source: pd.Source}
		if p.Name == "" {
			p.Name = string(p.Kind)
		}
		for name, tops := range pd.TOPS {
			dt, err := ParseDType(name)
			if err != nil {
				return nil, fmt.Errorf("device %s processor %s: %w", d.Name, p.Name, err)
			}
			p.Peak[dt] = tops * 1e12
		}
		d.Processors = append(d.Processors, p)
	}
	for _, fd := range dd.Engine {
		f := fd.factors()
		if err := f.validate(); err != nil {
			return nil, fmt.Errorf("device %s engine %s: %w", d.Name, fd.Engine, err)
		}
		if d.Overrides == nil {
			d.Overrides = map[string]Factors{}
		}
		d.Overrides[fd.Engine+"/"+string(fd.Kind)] = f
	}
	return d, d.Validate()
}

// check resolves aliases and presets once everything is loaded.
func (c *Catalogue) check() error {
	for _, name := range c.DeviceNames() {
		d := c.devices[name]
		for _, a := range append([]string{d.Name}, d.Aliases...) {
			k := strings.ToLower(strings.TrimSpace(a))
			if other, dup := c.aliases[k]; dup && other != d.Name {
				return fmt.Errorf("devices: alias %q names both %s and %s", a, other, d.Name)
			}
			c.aliases[k] = d.Name
			if _, dup := c.unmodelled[k]; dup {
				return fmt.Errorf("devices: %q is both device %s and an unmodelled device", a, d.Name)
			}
		}
		for a := range d.AliasProcessor {
			if c.aliases[strings.ToLower(strings.TrimSpace(a))] != d.Name {
				return fmt.Errorf("devices: device %s: alias_processor names %q, which is not one of its aliases", d.Name, a)
			}
		}
	}
	for _, name := range c.EngineNames() {
		e := c.engines[name]
		for _, a := range append([]string{e.Name}, e.Aliases...) {
			k := strings.ToLower(strings.TrimSpace(a))
			if other, dup := c.ealias[k]; dup && other != e.Name {
				return fmt.Errorf("devices: engine alias %q names both %s and %s", a, other, e.Name)
			}
			c.ealias[k] = e.Name
		}
	}
	for _, name := range c.PresetNames() {
		if _, err := c.Preset(name); err != nil {
			return fmt.Errorf("devices: preset %s: %w", name, err)
		}
	}
	return nil
}

// Device returns the device named name or listed under it as an alias
// (case is ignored).
func (c *Catalogue) Device(name string) (*Device, error) {
	k := strings.ToLower(strings.TrimSpace(name))
	if n, ok := c.aliases[k]; ok {
		return c.devices[n], nil
	}
	if why, ok := c.unmodelled[k]; ok {
		return nil, fmt.Errorf("%w: device %q: %s", ErrUnsupported, name, why)
	}
	return nil, fmt.Errorf("unknown device %q (known: %s)", name, strings.Join(c.DeviceNames(), ", "))
}

// ResolveDevice returns the device named name, as Device does, and the
// processor the name implies, if any: "Google Pixel 1 (Snapdragon 821),
// 1 big core, TFLite" means the Pixel 1's single big core.
func (c *Catalogue) ResolveDevice(name string) (*Device, string, error) {
	d, err := c.Device(name)
	if err != nil {
		return nil, "", err
	}
	for a, p := range d.AliasProcessor {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(name)) {
			return d, p, nil
		}
	}
	return d, "", nil
}

// Engine returns the engine named name or listed under it as an alias.
func (c *Catalogue) Engine(name string) (*Engine, error) {
	if n, ok := c.ealias[strings.ToLower(strings.TrimSpace(name))]; ok {
		return c.engines[n], nil
	}
	return nil, fmt.Errorf("unknown engine %q (known: %s)", name, strings.Join(c.EngineNames(), ", "))
}

// Placement returns processor proc of device dev running engine eng.
func (c *Catalogue) Placement(dev, proc, eng string) (Placement, error) {
	d, err := c.Device(dev)
	if err != nil {
		return Placement{}, err
	}
	p, err := d.Processor(proc)
	if err != nil {
		return Placement{}, err
	}
	e, err := c.Engine(eng)
	if err != nil {
		return Placement{}, err
	}
	return place(d, p, e)
}

// place returns processor p of device d running engine e: the device's
// own factors for the engine if it has them, else the engine's.
func place(d *Device, p *Processor, e *Engine) (Placement, error) {
	if e.Unsupported != "" {
		return Placement{}, fmt.Errorf("%w: engine %s: %s", ErrUnsupported, e.Name, e.Unsupported)
	}
	f, ok := d.Overrides[e.Name+"/"+string(p.Kind)]
	if !ok {
		var err error
		if f, err = e.For(p.Kind); err != nil {
			return Placement{}, err
		}
	}
	return Placement{Device: d, Proc: p, Engine: e, F: f}, nil
}

// Preset returns the placement a preset names.
func (c *Catalogue) Preset(name string) (Placement, error) {
	p, ok := c.presets[name]
	if !ok {
		return Placement{}, fmt.Errorf("unknown processor preset %q (known: %s)", name, strings.Join(c.PresetNames(), ", "))
	}
	pl, err := c.Placement(p.Device, p.Processor, p.Engine)
	if err != nil {
		return Placement{}, err
	}
	if p.DType != "" {
		if pl.F.DType, err = ParseDType(p.DType); err != nil {
			return Placement{}, fmt.Errorf("preset %s: %w", name, err)
		}
	}
	return pl, nil
}

// DeviceNames, EngineNames and PresetNames list the catalogue, sorted.
func (c *Catalogue) DeviceNames() []string { return sortedKeys(c.devices) }

// EngineNames lists the engines, sorted.
func (c *Catalogue) EngineNames() []string { return sortedKeys(c.engines) }

// PresetNames lists the presets, sorted.
func (c *Catalogue) PresetNames() []string { return sortedKeys(c.presets) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
