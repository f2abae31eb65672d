package results

// Task is the outcome of one task under one policy: one row of tasks.csv.
// Times are simulated seconds from the start of the run.
type Task struct {
	ID       int64   // task number, unique within a run and equal across policies
	Policy   string  // policy that placed the task
	Device   int     // index of the phone that generated it
	Model    string  // workload model name, such as "mobilenet-v2"
	Arrival  float64 // when the task arose on the phone
	Start    float64 // when its computation started at the chosen place
	Finish   float64 // when its result was back on the phone
	Place    string  // where it ran: "local", "edge-0", "edge-1", …, "cloud"
	Latency  float64 // Finish − Arrival, in seconds
	Energy   float64 // device energy spent on the task, in joules
	Deadline float64 // relative deadline, in seconds
	Met      bool    // whether Latency ≤ Deadline
}

// PolicySummary is the per-policy part of summary.json.
type PolicySummary struct {
	Policy         string             `json:"policy"`
	Tasks          int                `json:"tasks_completed"`
	MeanLatency    float64            `json:"mean_latency_s"`
	P50Latency     float64            `json:"p50_latency_s"`
	P95Latency     float64            `json:"p95_latency_s"`
	P99Latency     float64            `json:"p99_latency_s"`
	DeadlineMiss   float64            `json:"deadline_miss_rate"`
	MeanEnergy     float64            `json:"mean_energy_j"`
	TotalEnergy    float64            `json:"total_energy_j"`
	PlaceFractions map[string]float64 `json:"place_fractions"`
}

// Summary is summary.json: the run's identity and one entry per policy, in
// the order the experiment lists the policies.
type Summary struct {
	Experiment string          `json:"experiment"`
	Seed       uint64          `json:"seed"`
	Duration   float64         `json:"duration_s"`
	Policies   []PolicySummary `json:"policies"`
}
