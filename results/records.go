package results

// Task is the outcome of one task under one policy: one row of tasks.csv.
// Times are simulated seconds from the start of the run.
type Task struct {
	ID       int64   // task number, unique within a run and equal across policies
	Policy   string  // policy that placed the task
	Device   int     // index of the phone that generated it
	Kind     string  // "vision" or "llm"
	Model    string  // workload model name, such as "mobilenet-v2"
	Arrival  float64 // when the task arose on the phone
	Start    float64 // when its computation started at the chosen place
	Finish   float64 // when its result was back on the phone
	Place    string  // where it ran: "local", "edge-0", "edge-1", …, "cloud"
	Status   string  // "ok", or why it did not run: "no-memory", "battery-flat", "queue-full", "peer-lost", "dropped"
	Latency  float64 // Finish − Arrival, in seconds
	Energy   float64 // device energy spent on the task, in joules
	Deadline float64 // relative deadline, in seconds
	Met      bool    // whether Latency ≤ Deadline (false for a task that did not run)
	TTFT     float64 // LLM: time to first token at the phone, seconds; 0 for vision
	TPOT     float64 // LLM: mean time per output token after the first, at the phone; 0 for vision
	TTFTMet  bool    // LLM: TTFT within its service-level objective; true for vision
	TPOTMet  bool    // LLM: TPOT within its service-level objective; true for vision

	Point     string  // the sweep point the task belongs to, such as "phones.count=40"; empty without a sweep
	Turn      int     // LLM session turn (0 for the first prompt, and for single requests)
	Slowdown  float64 // DAG job: makespan over its critical path with every subtask on the phone; 0 otherwise
	Forwarded bool    // sent on to the cloud by a full edge server (Place is then "cloud")
	Handovers int     // handovers of the task's phone while the task was in flight
}

// Task statuses.
const (
	StatusOK          = "ok"
	StatusNoMemory    = "no-memory"    // the model does not fit the memory where the policy sent it
	StatusBatteryFlat = "battery-flat" // the phone's battery had run flat: it takes no more work
	StatusQueueFull   = "queue-full"   // the edge server's queue was full and the site refuses overflow
	StatusPeerLost    = "peer-lost"    // the D2D peer moved out of range before the task's data crossed
	StatusDropped     = "dropped"      // a vision frame dropped because it would have been late
)

// PolicySummary is the per-policy part of summary.json.
type PolicySummary struct {
	Policy         string             `json:"policy"`
	Tasks          int                `json:"tasks_completed"`
	Refused        int                `json:"tasks_refused"`  // tasks that did not run (every status but ok), dropped frames included
	Dropped        int                `json:"frames_dropped"` // tasks that could not run where the policy sent them
	MeanLatency    float64            `json:"mean_latency_s"`
	P50Latency     float64            `json:"p50_latency_s"`
	P95Latency     float64            `json:"p95_latency_s"`
	P99Latency     float64            `json:"p99_latency_s"`
	DeadlineMiss   float64            `json:"deadline_miss_rate"`
	MeanEnergy     float64            `json:"mean_energy_j"`
	TotalEnergy    float64            `json:"total_energy_j"`
	PlaceFractions map[string]float64 `json:"place_fractions"`

	Forwarded int `json:"tasks_forwarded"` // completed in the cloud after a full edge server sent them on
	Handovers int `json:"handovers"`       // handovers that tasks in flight went through

	// LLM requests among the completed tasks.
	// ByKind breaks the tasks down by kind ("vision", "llm", "dag"): each
	// kind's count, refusals (dropped frames among them) and latency —
	// frame latency, end-to-end LLM latency, DAG makespan.
	ByKind map[string]KindSummary `json:"by_kind"`

	DAGJobs      int     `json:"dag_jobs"`
	MeanSlowdown float64 `json:"mean_dag_slowdown"` // mean makespan over the all-local critical path
	LLMTasks     int     `json:"llm_tasks"`
	MeanTTFT     float64 `json:"mean_ttft_s"`
	P95TTFT      float64 `json:"p95_ttft_s"`
	MeanTPOT     float64 `json:"mean_tpot_s"`
	P95TPOT      float64 `json:"p95_tpot_s"`
	TTFTSLOMiss  float64 `json:"ttft_slo_miss_rate"`
	TPOTSLOMiss  float64 `json:"tpot_slo_miss_rate"`
}

// KindSummary is one kind of task's part of a PolicySummary.
type KindSummary struct {
	Tasks       int     `json:"tasks_completed"`
	Refused     int     `json:"tasks_refused"`
	MeanLatency float64 `json:"mean_latency_s"`
	P95Latency  float64 `json:"p95_latency_s"`
	MissRate    float64 `json:"deadline_miss_rate"` // refused tasks count as missed
}

// Summary is summary.json: the run's identity and one entry per policy, in
// the order the experiment lists the policies.
type Summary struct {
	Experiment string          `json:"experiment"`
	Seed       uint64          `json:"seed"`
	Duration   float64         `json:"duration_s"`
	Policies   []PolicySummary `json:"policies"` // over all tasks (all sweep points)

	// Sweep holds one entry per value of the swept key, when the
	// experiment sweeps one.
	// Pareto holds, when the experiment asks for it, every policy's points
	// in (mean latency, mean device energy) — one per value of its knob,
	// one for a policy without — its front and its normalised hypervolume:
	// each objective mapped to [0, 1] between the ideal and nadir of all
	// the experiment's points, reference point RefCoordinate in each.
	Pareto      []ParetoPolicy `json:"pareto,omitempty"`
	ParetoIdeal Point          `json:"pareto_ideal,omitempty"`
	ParetoNadir Point          `json:"pareto_nadir,omitempty"`

	// TraceRowsSkipped counts malformed rows of cluster traces skipped at
	// the user's request.
	TraceRowsSkipped int `json:"trace_rows_skipped,omitempty"`

	SweepKey string       `json:"sweep_key,omitempty"`
	Sweep    []SweepPoint `json:"sweep,omitempty"`
}

// ParetoPolicy is one policy's part of a Pareto evaluation.
type ParetoPolicy struct {
	Policy      string        `json:"policy"`
	Knob        string        `json:"knob,omitempty"` // the parameter swept, if any
	Points      []ParetoPoint `json:"points"`
	Hypervolume float64       `json:"hypervolume"`
}

// ParetoPoint is one run of a Pareto evaluation.
type ParetoPoint struct {
	Knob        float64 `json:"knob"` // the knob's value (0 for a policy without one)
	MeanLatency float64 `json:"mean_latency_s"`
	MeanEnergy  float64 `json:"mean_energy_j"`
	MissRate    float64 `json:"deadline_miss_rate"`
	OnFront     bool    `json:"on_front"`
}

// SweepPoint is the summary of one value of a swept key.
type SweepPoint struct {
	Value    float64         `json:"value"`
	Policies []PolicySummary `json:"policies"`
}
