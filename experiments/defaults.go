package experiments

import (
	"fmt"

	"github.com/mecsim/mecsim/topology"
	"path/filepath"
	"strings"
	"time"
)

// The defaults documented beside each field in config.go.
const (
	defaultSeed     = 1
	defaultDuration = 60 * time.Second

	defaultAreaSide = 1000.0 // m

	defaultPhoneCount     = 10
	defaultPhoneProcessor = "sd8gen3-cpu"
	defaultTxPowerDBm     = 23.0
	defaultTxPowerW       = 1.3
	defaultRxPowerW       = 1.0
	defaultIdlePowerW     = 0.1

	defaultBandwidthHz   = 20e6
	defaultNoiseDBmPerHz = -174.0
	defaultBSPowerDBm    = 43.0
	defaultMaxSpectral   = 7.4063 // bit/s/Hz, 3GPP TS 38.214 Table 5.2.2.1-3, CQI 15

	defaultCoverage      = 500.0 // m
	defaultEdgeProcessor = "edge-t4"
	defaultEdgeServers   = 1

	defaultWANLatency     = 40 * time.Millisecond
	defaultWANBandwidth   = 1e9 // bit/s
	defaultCloudProcessor = "cloud-a100"
	defaultCloudServers   = 64

	defaultDeadline = 100 * time.Millisecond

	defaultPriority = "rank" // of slotted decisions

	defaultLLMDeadline  = 30 * time.Second
	defaultQuant        = "w4a16"
	defaultPromptTokens = 256
	defaultOutputTokens = 128
	defaultTokenBytes   = 4.0 // UTF-8 bytes per token: about four characters of English text a token
	defaultTTFTSLO      = 2 * time.Second
	defaultTPOTSLO      = 100 * time.Millisecond

	// defaultName is the name of an experiment whose file name gives none.
	defaultName = "experiment"
)

// Defaults fills every field that holds its zero value and has a default
// (see the field comments in config.go). Name defaults to the base name of
// file without its extension ("runs/fig3.toml" gives "fig3").
//
// Zero means "unset" here, so a Config built in Go cannot keep an explicit
// zero in a field whose default is not zero (a seed of 0, an idle power of
// 0 W, a 0 dBm transmitter): set those after calling Defaults. Parse does
// not have this limit: it fills only the keys absent from the file.
func (c *Config) Defaults(file string) {
	c.fill(file, func(_ string, zero bool) bool { return zero })
}

// fill sets each default whose key unset reports as unset. unset gets the
// key's dotted path and whether the field holds its zero value.
func (c *Config) fill(file string, unset func(key string, zero bool) bool) {
	c.fillLearning(unset)
	if unset("name", c.Name == "") {
		c.Name = baseName(file)
	}
	if unset("seed", c.Seed == 0) {
		c.Seed = defaultSeed
	}
	if unset("duration", c.Duration == 0) {
		c.Duration = defaultDuration
	}
	if c.Sweep != nil && unset("sweep.replications", c.Sweep.Replications == 0) {
		c.Sweep.Replications = 1
	}
	if unset("priority", c.Priority == "") && c.DecisionInterval > 0 {
		c.Priority = defaultPriority
	}

	if unset("area.width_m", c.Area.Width == 0) {
		c.Area.Width = defaultAreaSide
	}
	if unset("area.height_m", c.Area.Height == 0) {
		c.Area.Height = defaultAreaSide
	}

	p := &c.Phones
	if unset("phones.count", p.Count == 0) {
		p.Count = defaultPhoneCount
	}
	if unset("phones.processor", p.Processor == "") {
		p.Processor = defaultPhoneProcessor
	}
	if unset("phones.tx_power_dbm", p.TxPowerDBm == 0) {
		p.TxPowerDBm = defaultTxPowerDBm
	}
	if unset("phones.tx_power_w", p.TxPowerW == 0) {
		p.TxPowerW = defaultTxPowerW
	}
	if unset("phones.rx_power_w", p.RxPowerW == 0) {
		p.RxPowerW = defaultRxPowerW
	}
	if unset("phones.idle_power_w", p.IdlePowerW == 0) {
		p.IdlePowerW = defaultIdlePowerW
	}

	r := &c.Radio
	if unset("radio.uplink_bandwidth_hz", r.UplinkHz == 0) {
		r.UplinkHz = defaultBandwidthHz
	}
	if unset("radio.downlink_bandwidth_hz", r.DownlinkHz == 0) {
		r.DownlinkHz = defaultBandwidthHz
	}
	if unset("radio.noise_dbm_per_hz", r.NoiseDBmPerHz == 0) {
		r.NoiseDBmPerHz = defaultNoiseDBmPerHz
	}
	// noise_figure_db defaults to 0: nothing to fill.
	if unset("radio.bs_tx_power_dbm", r.BSPowerDBm == 0) {
		r.BSPowerDBm = defaultBSPowerDBm
	}
	if unset("radio.max_spectral_efficiency", r.MaxSpectralEff == 0) {
		r.MaxSpectralEff = defaultMaxSpectral
	}

	for i := range c.Edges {
		e := &c.Edges[i]
		k := fmt.Sprintf("edge[%d].", i)
		if unset(k+"discipline", e.Discipline == "") {
			e.Discipline = "fifo"
		}
		if unset(k+"when_full", e.WhenFull == "") {
			e.WhenFull = "refused"
		}
		if unset(k+"batch", e.Batch == 0) {
			e.Batch = 1
		}
		if unset(k+"llm_batch", e.LLMBatch == 0) {
			e.LLMBatch = 1
		}
		if unset(k+"coverage_m", e.Coverage == 0) {
			e.Coverage = defaultCoverage
		}
		if unset(k+"processor", e.Processor == "") {
			e.Processor = defaultEdgeProcessor
		}
		if unset(k+"servers", e.Servers == 0) {
			e.Servers = defaultEdgeServers
		}
	}

	cl := &c.Cloud
	if unset("cloud.wan_latency", cl.WANLatency == 0) {
		cl.WANLatency = defaultWANLatency
	}
	if unset("cloud.wan_bandwidth_bps", cl.WANBandwidth == 0) {
		cl.WANBandwidth = defaultWANBandwidth
	}
	if unset("cloud.processor", cl.Processor == "") {
		cl.Processor = defaultCloudProcessor
	}
	if unset("cloud.servers", cl.Servers == 0) {
		cl.Servers = defaultCloudServers
	}
	if unset("cloud.llm_batch", cl.LLMBatch == 0) {
		cl.LLMBatch = 1
	}

	ph := &c.Phones
	for _, f := range []struct {
		key  string
		zero bool
		set  func()
	}{
		{"phones.mobility", ph.Mobility == "", func() { ph.Mobility = "static" }},
		{"phones.min_speed_mps", ph.MinSpeed == 0, func() { ph.MinSpeed = 0.5 }},
		{"phones.max_speed_mps", ph.MaxSpeed == 0, func() { ph.MaxSpeed = 1.5 }},
		{"phones.mean_speed_mps", ph.MeanSpeed == 0, func() { ph.MeanSpeed = 1 }},
		{"phones.speed_std_mps", ph.SpeedStdDev == 0, func() { ph.SpeedStdDev = 0.2 }},
		{"phones.alpha", ph.Alpha == 0, func() { ph.Alpha = 0.75 }},
		{"phones.step", ph.Step == 0, func() { ph.Step = time.Second }},
		{"radio.handover_hysteresis_db", c.Radio.HandoverHysteresis == 0, func() { c.Radio.HandoverHysteresis = 3 }},
		{"radio.time_to_trigger", c.Radio.TimeToTrigger == 0, func() { c.Radio.TimeToTrigger = 160 * time.Millisecond }},
		{"radio.handover_interruption", c.Radio.Interruption == 0, func() { c.Radio.Interruption = 50 * time.Millisecond }},
		{"radio.backhaul_latency", c.Radio.BackhaulLatency == 0, func() { c.Radio.BackhaulLatency = 2 * time.Millisecond }},
		{"radio.backhaul_bandwidth_bps", c.Radio.BackhaulBandwidth == 0, func() { c.Radio.BackhaulBandwidth = 10e9 }},
		{"radio.link_refresh", c.Radio.LinkRefresh == 0, func() { c.Radio.LinkRefresh = 100 * time.Millisecond }},
		{"radio.path_loss", c.Radio.PathLoss == "", func() { c.Radio.PathLoss = "macro" }},
		{"radio.carrier_ghz", c.Radio.CarrierGHz == 0, func() { c.Radio.CarrierGHz = 3.5 }},
		{"radio.bs_height_m", c.Radio.BSHeightM == 0, func() { c.Radio.BSHeightM = 25 }},
		{"radio.ue_height_m", c.Radio.UEHeightM == 0, func() { c.Radio.UEHeightM = 1.5 }},
		{"radio.fading", c.Radio.Fading == "", func() { c.Radio.Fading = "none" }},
		{"radio.rician_k", c.Radio.RicianK == 0, func() { c.Radio.RicianK = 10 }},
		{"radio.coherence", c.Radio.Coherence == 0, func() { c.Radio.Coherence = 10 * time.Millisecond }},
		{"radio.scheduler", c.Radio.Scheduler == "", func() { c.Radio.Scheduler = "equal" }},
		{"radio.rb_hz", c.Radio.RBHz == 0, func() { c.Radio.RBHz = 360e3 }},
	} {
		if unset(f.key, f.zero) {
			f.set()
		}
	}

	c.fillCell(unset)

	d := &c.D2D
	if unset("d2d.link", d.Link == "") {
		d.Link = "wifi-direct-5g-20"
	}
	if unset("d2d.cluster_radius_m", d.RadiusM == 0) && d.Clusters == 0 {
		d.RadiusM = 150
	}
	if unset("d2d.min_battery", d.MinBattery == 0) {
		d.MinBattery = 0.2
	}
	if unset("d2d.max_queue", d.MaxQueue == 0) {
		d.MaxQueue = 2
	}
	if unset("d2d.recluster", d.Recluster == 0) {
		d.Recluster = 10 * time.Second
	}

	for i := range c.Workloads {
		w := &c.Workloads[i]
		k := fmt.Sprintf("workload[%d].", i)
		if unset(k+"kind", w.Kind == "") {
			w.Kind = "vision"
		}
		if unset(k+"arrivals", w.Arrivals == "") {
			w.Arrivals = "poisson"
		}
		if w.Arrivals == "sinusoidal" && unset(k+"period", w.Period == 0) {
			w.Period = 24 * time.Hour
		}
		if w.Kind == "dag" {
			if unset(k+"deadline", w.Deadline == 0) {
				w.Deadline = 10 * time.Second
			}
			if unset(k+"layers", w.Layers == 0) {
				w.Layers = 4
			}
			ints := func(key string, v *[]int, lo, hi int) {
				if unset(k+key, len(*v) == 0) {
					*v = []int{lo, hi}
				}
			}
			floats := func(key string, v *[]float64, lo, hi float64) {
				if unset(k+key, len(*v) == 0) {
					*v = []float64{lo, hi}
				}
			}
			ints("width", &w.Width, 2, 4)
			ints("fan_out", &w.FanOut, 1, 2)
			floats("ops", &w.Ops, 1e8, 1e9)
			floats("edge_bytes", &w.EdgeBytes, 1e4, 1e6)
			floats("job_input", &w.JobInput, 1e4, 1e6)
			floats("job_output", &w.JobOutput, 1e3, 1e5)
			continue
		}
		if w.Kind != "llm" {
			if unset(k+"deadline", w.Deadline == 0) {
				w.Deadline = defaultDeadline
			}
			continue
		}
		if unset(k+"deadline", w.Deadline == 0) {
			w.Deadline = defaultLLMDeadline
		}
		if unset(k+"quant", w.Quant == "") {
			w.Quant = defaultQuant
		}
		if unset(k+"prompt_tokens", w.PromptTokens == 0) {
			w.PromptTokens = defaultPromptTokens
		}
		if unset(k+"output_tokens", w.OutputTokens == 0) {
			w.OutputTokens = defaultOutputTokens
		}
		if unset(k+"token_bytes", w.TokenBytes == 0) {
			w.TokenBytes = defaultTokenBytes
		}
		if unset(k+"ttft_slo", w.TTFTSLO == 0) {
			w.TTFTSLO = defaultTTFTSLO
		}
		if unset(k+"tpot_slo", w.TPOTSLO == 0) {
			w.TPOTSLO = defaultTPOTSLO
		}
		if unset(k+"turns", w.Turns == 0) {
			w.Turns = 1
		}
		if unset(k+"think_time", w.ThinkTime == 0) {
			w.ThinkTime = 20 * time.Second
		}
	}
}

// fillCell applies the radio cell preset to the keys an experiment file
// leaves out. Configs built in Go (unset tests zero values) are left as
// they are: there the preset's values are the caller's to copy.
func (c *Config) fillCell(unset func(key string, zero bool) bool) {
	if c.Radio.Cell == "" {
		return
	}
	cat, err := topology.DefaultCatalogue()
	if err != nil {
		return
	}
	cell, err := cat.Cell(c.Radio.Cell)
	if err != nil {
		return // Validate names the unknown preset
	}
	r := &c.Radio
	for _, f := range []struct {
		key string
		set func()
	}{
		{"radio.uplink_bandwidth_hz", func() { r.UplinkHz = cell.OccupiedHz() }},
		{"radio.downlink_bandwidth_hz", func() { r.DownlinkHz = cell.OccupiedHz() }},
		{"radio.bs_tx_power_dbm", func() { r.BSPowerDBm = cell.Downlink.TxPowerDBm }},
		{"phones.tx_power_dbm", func() { c.Phones.TxPowerDBm = cell.Uplink.TxPowerDBm }},
		{"radio.noise_figure_db", func() { r.NoiseFigureDB = cell.Downlink.Channel.NoiseFigureDB }},
		{"radio.path_loss", func() { r.PathLoss = cell.PathLossName }},
		{"radio.carrier_ghz", func() { r.CarrierGHz = cell.CarrierGHz }},
		{"radio.bs_height_m", func() { r.BSHeightM = cell.BSHeight }},
		{"radio.ue_height_m", func() { r.UEHeightM = cell.UEHeight }},
		{"radio.max_spectral_efficiency", func() { r.MaxSpectralEff = cell.Downlink.Rate.MaxSpectralEff }},
		{"radio.rb_hz", func() { r.RBHz = cell.RBHz }},
	} {
		if unset(f.key, false) {
			f.set()
		}
	}
}

// baseName is the experiment name a file name implies.
func baseName(file string) string {
	b := filepath.Base(file)
	b = strings.TrimSuffix(b, filepath.Ext(b))
	if b == "" || b == "." || b == string(filepath.Separator) {
		return defaultName
	}
	return b
}
