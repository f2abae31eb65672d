package experiments

import "time"

// Config is an experiment file decoded: the scenario, the policies to
// compare and the run settings. Field comments give the TOML key, its unit
// and its default; Defaults fills zero values, Validate checks ranges.
type Config struct {
	Name     string        `toml:"name"`     // experiment name; default: the file's base name
	Seed     uint64        `toml:"seed"`     // master seed; default 1
	Duration time.Duration `toml:"duration"` // simulated time of arrivals, e.g. "120s"; default "60s"
	Policies []string      `toml:"policies"` // policies to compare, by registry name; required

	Area      Area       `toml:"area"`
	Phones    Phones     `toml:"phones"`
	Radio     Radio      `toml:"radio"`
	Edges     []Edge     `toml:"edge"` // [[edge]] tables, one per edge site
	Cloud     Cloud      `toml:"cloud"`
	Workloads []Workload `toml:"workload"` // [[workload]] tables; at least one
	D2D       D2D        `toml:"d2d"`
	Sweep     *Sweep     `toml:"sweep,omitempty"` // optional: a grid of values of some keys, with replications (see Sweep)
	// Pareto evaluates each policy with a trade-off knob (weighted's ω,
	// lyapunov's V) at every value of its grid, and reports every policy's
	// front and hypervolume in summary.json and figures/pareto.png.
	Pareto bool `toml:"pareto,omitempty"`
	// StaleState shows phones the servers' queues as reported at this
	// interval rather than as they are, e.g. "500ms"; default "0s" (fresh).
	StaleState time.Duration `toml:"stale_state,omitzero"`
	// DecisionInterval, when > 0, decides tasks in slots: a task that
	// arises (and a DAG subtask that becomes ready) waits at its phone for
	// the next boundary k × decision_interval, where every phone's waiting
	// tasks are decided, as a multi-agent controller needs, e.g. "100ms";
	// default "0s": each task is decided as it arises.
	DecisionInterval time.Duration `toml:"decision_interval,omitzero"`
	// Priority orders a phone's waiting tasks at a boundary: "rank"
	// (highest upward rank first: a DAG subtask's estimated compute time
	// on the phone plus the longest path of compute and transfer times to
	// its job's exit, HEFT-style; another task's compute time on the
	// phone) or "fifo" (order of arrival; a subtask arrives when it becomes
	// ready). Only with decision_interval; default "rank".
	Priority string `toml:"priority,omitempty"`

	// Environment is "mecsim" (the default: the world the rest of the
	// file describes) or "reference": the GMORL reference multi-edge
	// environment of [reference], whose policies are evaluation methods
	// ("sac", "greedy-w", "cloud", "random", …) and which needs [train].
	Environment string     `toml:"environment,omitempty"`
	Reference   *Reference `toml:"reference,omitempty"`
	// Train, when present, is read by "mecsim train": the agent it trains
	// is the policy "sac" of this file.
	Train *Train `toml:"train,omitempty"`
	// Figure, when present, makes the file one of the figure suite's
	// (experiments/figures), read by "mecsim figures".
	Figure *Figure `toml:"figure,omitempty"`
}

// D2D configures device-to-device offloading among phones grouped into
// clusters by k-means over their positions.
type D2D struct {
	Enabled    bool          `toml:"enabled"`          // default false: no D2D targets
	Link       string        `toml:"link"`             // D2D link preset (d2d/links.csv); default "wifi-direct-5g-20"
	Clusters   int           `toml:"clusters"`         // k of k-means; 0 to choose k by cluster_radius_m
	RadiusM    float64       `toml:"cluster_radius_m"` // largest cluster radius when clusters = 0; default 150
	MinBattery float64       `toml:"min_battery"`      // a peer refuses work below this charge fraction; default 0.2
	MaxQueue   int           `toml:"max_queue"`        // a peer refuses work with this many tasks queued or running; default 2
	Recluster  time.Duration `toml:"recluster"`        // how often moving phones are grouped again; default "10s"
}

// Area is the square region in which phones are placed uniformly at random.
type Area struct {
	Width  float64 `toml:"width_m"`  // default 1000
	Height float64 `toml:"height_m"` // default 1000
}

// Phones configures the user equipment: how many, which SoC profile, and
// the radio's power figures.
type Phones struct {
	Count     int    `toml:"count"`     // default 10
	Processor string `toml:"processor"` // devices catalogue preset; default "sd8gen3-cpu"
	// ExtraProcessors lists the phone's other processors as presets (e.g.
	// ["sd8gen3-npu"]): more local targets, each with its own queue.
	ExtraProcessors []string `toml:"extra_processors,omitempty"`
	TxPowerDBm      float64  `toml:"tx_power_dbm"` // radiated uplink power; default 23
	TxPowerW        float64  `toml:"tx_power_w"`   // electrical power while transmitting; default 1.3
	RxPowerW        float64  `toml:"rx_power_w"`   // electrical power while receiving; default 1.0
	IdlePowerW      float64  `toml:"idle_power_w"` // power while waiting for an offloaded result; default 0.1

	// Mobility: "static" (default), "random-waypoint", "gauss-markov" or
	// "trace". Random waypoint uses min/max speed and pause; Gauss–Markov
	// uses mean speed, its standard deviation, alpha and step; trace
	// replays a CSV of time,id,x,y (seconds, metres), the path relative
	// to the experiment file, phone i following the i-th id (cyclically).
	Mobility    string        `toml:"mobility"`
	MinSpeed    float64       `toml:"min_speed_mps"`  // default 0.5
	MaxSpeed    float64       `toml:"max_speed_mps"`  // default 1.5 (walking)
	Pause       time.Duration `toml:"pause"`          // default "0s"
	MeanSpeed   float64       `toml:"mean_speed_mps"` // default 1
	SpeedStdDev float64       `toml:"speed_std_mps"`  // default 0.2
	Alpha       float64       `toml:"alpha"`          // Gauss–Markov memory in [0, 1]; default 0.75
	Step        time.Duration `toml:"step"`           // Gauss–Markov update interval; default "1s"
	Trace       string        `toml:"trace"`          // trace file for mobility = "trace"
}

// Radio configures every cell: the wireless access at each edge site.
type Radio struct {
	// Cell names a cell preset (topology/data/cells.csv: "nr-macro",
	// "nr-small", "lte-macro", "wifi6-ap"); in an experiment file it
	// supplies the radio keys the file leaves out: bandwidths, powers,
	// noise figure (the phone's), path-loss model, carrier, heights,
	// spectral-efficiency cap and resource-block size. Default "" (none).
	Cell          string  `toml:"cell"`
	UplinkHz      float64 `toml:"uplink_bandwidth_hz"`   // default 20e6
	DownlinkHz    float64 `toml:"downlink_bandwidth_hz"` // default 20e6
	NoiseDBmPerHz float64 `toml:"noise_dbm_per_hz"`      // thermal noise density; default -174
	NoiseFigureDB float64 `toml:"noise_figure_db"`       // receiver noise figure; default 0 (none)
	BSPowerDBm    float64 `toml:"bs_tx_power_dbm"`       // downlink radiated power; default 43

	// Handover between cells of moving phones (3GPP A3 event): a neighbour
	// must beat the serving cell by the hysteresis for the time to
	// trigger; the phone is then out of service for the interruption.
	HandoverHysteresis float64       `toml:"handover_hysteresis_db"` // default 3
	TimeToTrigger      time.Duration `toml:"time_to_trigger"`        // default "160ms"
	Interruption       time.Duration `toml:"handover_interruption"`  // default "50ms"
	BackhaulLatency    time.Duration `toml:"backhaul_latency"`       // cell to cell, for results forwarded after a handover; default "2ms"
	BackhaulBandwidth  float64       `toml:"backhaul_bandwidth_bps"` // default 10e9
	LinkRefresh        time.Duration `toml:"link_refresh"`           // how often transfers take up moving phones' positions and fading; default "100ms"

	// Propagation: the path-loss model ("macro", the default 128.1 +
	// 37.6·log10(d/km); 3GPP TR 38.901 "umi", "uma", "inh"; "free-space"),
	// its carrier and antenna heights, log-normal shadowing with the
	// model's σ, and small-scale fading ("none", "rayleigh", "rician")
	// redrawn every coherence interval.
	PathLoss   string        `toml:"path_loss"`   // default "macro"
	CarrierGHz float64       `toml:"carrier_ghz"` // default 3.5
	BSHeightM  float64       `toml:"bs_height_m"` // default 25
	UEHeightM  float64       `toml:"ue_height_m"` // default 1.5
	Shadowing  bool          `toml:"shadowing"`   // default false
	Fading     string        `toml:"fading"`      // default "none"
	RicianK    float64       `toml:"rician_k"`    // linear K factor for "rician"; default 10
	Coherence  time.Duration `toml:"coherence"`   // default "10ms"
	// Interference: each cell's uplink hears the phones uploading in the
	// other cells, each download the other base stations that are sending,
	// all cells sharing one band (updated every link_refresh).
	Interference bool `toml:"interference"` // default false
	// Scheduler shares a cell's band: "equal" shares (default), or OFDMA
	// resource blocks of rb_hz under "round-robin" or "proportional-fair".
	Scheduler string  `toml:"scheduler"`
	RBHz      float64 `toml:"rb_hz"` // default 360e3 (NR, 30 kHz subcarriers × 12)
	// MaxSpectralEff caps the rate at this many bit/s per Hz, the highest
	// efficiency of the modulation-and-coding table: 7.4063 for 256-QAM at
	// code rate 948/1024 (3GPP TS 38.214 Table 5.2.2.1-3, CQI 15). Default 7.4063.
	MaxSpectralEff float64 `toml:"max_spectral_efficiency"`
}

// Edge is one edge site: a base station with a server beside it.
type Edge struct {
	X         float64 `toml:"x_m"`        // position in the area; required
	Y         float64 `toml:"y_m"`        // position in the area; required
	Coverage  float64 `toml:"coverage_m"` // radius within which phones may offload; default 500
	Processor string  `toml:"processor"`  // devices catalogue preset; default "edge-t4"
	Servers   int     `toml:"servers"`    // accelerators sharing one queue; default 1

	Discipline string `toml:"discipline"`  // queue order: "fifo", "sjf" (shortest job first) or "edf" (earliest deadline first); default "fifo"
	QueueLimit int    `toml:"queue_limit"` // most tasks that may wait; default 0, no limit
	WhenFull   string `toml:"when_full"`   // a task finding the queue full is "refused" or sent on to the "cloud"; default "refused"
	Batch      int    `toml:"batch"`       // most vision requests of one model served as one batch; default 1 (none)
	LLMBatch   int    `toml:"llm_batch"`   // most LLM requests decoded together per accelerator (continuous batching); default 1 (none)
}

// Cloud is the data centre behind the WAN, reached through the phone's
// nearest cell.
type Cloud struct {
	WANLatency   time.Duration `toml:"wan_latency"`       // one-way, e.g. "40ms"; default "40ms"
	WANBandwidth float64       `toml:"wan_bandwidth_bps"` // per transfer; default 1e9
	Processor    string        `toml:"processor"`         // devices catalogue preset; default "cloud-a100"
	Servers      int           `toml:"servers"`           // default 64
	LLMBatch     int           `toml:"llm_batch"`         // most LLM requests decoded together per accelerator; default 1 (none)
}

// Workload is one stream of tasks that every phone generates.
type Workload struct {
	Kind  string  `toml:"kind"`  // "vision" or "llm"; default "vision"
	Model string  `toml:"model"` // workloads catalogue name (a vision model, or an LLM for kind "llm"); required
	Rate  float64 `toml:"rate"`  // mean arrivals per second per phone (the frame rate for "periodic"); required, > 0 unless arrivals = "trace"

	// Arrivals is the arrival process: "poisson" (default); "mmpp", a
	// Markov-modulated Poisson process with a rate and a mean sojourn per
	// state (jumping to the other states alike); "periodic" at rate with
	// jitter (camera frames); "diurnal", a rate per hour of the day;
	// "sinusoidal", rate ± amplitude over a period peaking at peak; or
	// "trace", replaying a CSV of time,device,… (phone i replays the i-th
	// device, cyclically; the path relative to the experiment file).
	Arrivals    string        `toml:"arrivals,omitempty"`
	MMPPRates   []float64     `toml:"mmpp_rates,omitempty"`     // arrivals/s per phone in each state
	MMPPSojourn []float64     `toml:"mmpp_sojourn_s,omitempty"` // mean seconds in each state
	Jitter      time.Duration `toml:"jitter,omitempty"`         // periodic: half-width (uniform) or σ (gaussian)
	JitterLaw   string        `toml:"jitter_law,omitempty"`     // "uniform" (default) or "gaussian"
	HourlyRates []float64     `toml:"hourly_rates,omitempty"`   // diurnal: 24 rates, arrivals/s per phone
	Amplitude   float64       `toml:"amplitude,omitempty"`      // sinusoidal: arrivals/s
	Period      time.Duration `toml:"period,omitempty"`         // sinusoidal; default 24h
	Peak        time.Duration `toml:"peak,omitempty"`           // sinusoidal: time of the peak in the period
	Trace       string        `toml:"trace,omitempty"`          // trace: the CSV file
	Deadline    time.Duration `toml:"deadline"`                 // relative deadline for the whole task; default "100ms" (vision), "30s" (llm)
	DropLate    bool          `toml:"drop_late,omitempty"`      // vision: drop a frame at once when it is estimated to miss its deadline

	// DAG jobs only (kind = "dag"): random layered graphs of subtasks.
	Layers    int       `toml:"layers,omitzero"`      // depth; default 4
	Width     []int     `toml:"width,omitempty"`      // [min, max] subtasks per layer; default [2, 4]
	FanOut    []int     `toml:"fan_out,omitempty"`    // [min, max] children per subtask; default [1, 2]
	Ops       []float64 `toml:"ops,omitempty"`        // [min, max] operations per subtask; default [1e8, 1e9]
	EdgeBytes []float64 `toml:"edge_bytes,omitempty"` // [min, max] bytes on each edge; default [1e4, 1e6]
	JobInput  []float64 `toml:"job_input,omitempty"`  // [min, max] bytes from the phone to each entry subtask; default [1e4, 1e6]
	JobOutput []float64 `toml:"job_output,omitempty"` // [min, max] bytes from each exit subtask to the phone; default [1e3, 1e5]
	// Alibaba replays the jobs of an Alibaba cluster-trace-v2018
	// batch_task file instead of drawing graphs: job k (in order of
	// arrival) goes to phone k mod phones.count at its start time less the
	// first job's; CPU work becomes operations at alibaba_core_hz per
	// core-second; edges carry edge_bytes' first value, and job_input and
	// job_output give the data from and to the phone likewise.
	Alibaba       string  `toml:"alibaba,omitempty"`
	AlibabaCoreHz float64 `toml:"alibaba_core_hz,omitzero"` // default 2.5e9
	// AlibabaSkipBad skips malformed rows (and the tasks that depend on
	// them), counting them in summary.json, instead of refusing the file.
	AlibabaSkipBad bool `toml:"alibaba_skip_bad,omitempty"`

	// LLM requests only.
	Quant        string        `toml:"quant,omitempty"`        // quantisation, workloads catalogue name; default "w4a16"
	PromptTokens int           `toml:"prompt_tokens,omitzero"` // default 256
	OutputTokens int           `toml:"output_tokens,omitzero"` // default 128
	TokenBytes   float64       `toml:"token_bytes,omitzero"`   // bytes per token on the air (UTF-8 text, ~4 characters a token); default 4
	TTFTSLO      time.Duration `toml:"ttft_slo,omitzero"`      // objective on time to first token; default "2s"
	TPOTSLO      time.Duration `toml:"tpot_slo,omitzero"`      // objective on time per output token; default "100ms"
	Turns        int           `toml:"turns,omitzero"`         // prompts per conversation (multi-turn session, KV cache reused where the last turn ran); default 1
	PromptSigma  float64       `toml:"prompt_sigma,omitzero"`  // > 0: prompt lengths log-normal, median prompt_tokens, this σ of the log; default 0 (fixed)
	OutputSigma  float64       `toml:"output_sigma,omitzero"`  // > 0: output lengths log-normal likewise; default 0 (fixed)
	PromptHist   [][]float64   `toml:"prompt_hist,omitempty"`  // empirical histogram of prompt lengths: [[tokens, weight], …]
	OutputHist   [][]float64   `toml:"output_hist,omitempty"`  // likewise for output lengths
	ThinkTime    time.Duration `toml:"think_time,omitzero"`    // mean pause between an answer and the next prompt; default "20s"
}
