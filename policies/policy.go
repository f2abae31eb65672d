package policies

// Policy decides where a task runs. Decide is called once per task, at its
// arrival, with an observation that is valid only for the duration of the
// call: a policy that wants to keep any of it must copy it.
//
// Decide returns an error only when it cannot decide (a broken model file,
// an observation it does not understand); the run then stops with that
// error. Choosing a poor target is not an error.
type Policy interface {
	Decide(obs *Observation) (Decision, error)
}

// TargetKind says what kind of place a target is.
type TargetKind int

// Kinds of target.
const (
	Local TargetKind = iota // the phone's own processor
	Edge                    // an edge server in whose coverage the phone is
	Cloud                   // the cloud, through the phone's cell and the WAN
	D2D                     // a nearby phone of the same cluster, over a device-to-device link
)

func (k TargetKind) String() string {
	switch k {
	case Local:
		return "local"
	case Edge:
		return "edge"
	case Cloud:
		return "cloud"
	case D2D:
		return "d2d"
	}
	return "unknown"
}

// Task describes the task to be placed.
type Task struct {
	ID          int64
	Kind        string  // "vision" or "llm"
	Model       string  // workload model name, such as "mobilenet-v2" or "llama-3.2-1b"
	Ops         float64 // operations of a vision inference (2 × MACs); 0 for LLM requests
	InputBytes  float64 // bytes to send if offloaded (image, or prompt)
	OutputBytes float64 // bytes of the result (all output tokens for an LLM)
	Deadline    float64 // relative deadline for the whole task, seconds

	// DAG subtasks only: the job, the subtask's index and level (0 for
	// entry subtasks), and its HEFT upward rank (the longest path from it
	// to an exit, with phone compute times and no transfers): subtasks
	// ready at once are decided in decreasing rank.
	DAGJob   int64
	Subtask  int
	Level    int
	Rank     float64
	Children int // subtasks that wait for this one

	// Slotted decisions only (0 when each task is decided as it arises):
	// Waited is the seconds the task has waited for its decision, so
	// Deadline − Waited of its deadline is left; Priority is the key its
	// phone's queue of waiting tasks is ordered by under the "rank" rule,
	// seconds, higher first: a DAG subtask's upward rank with estimated
	// transfers, another task's compute time on the phone.
	Waited   float64
	Priority float64

	// LLM requests only.
	PromptTokens int
	OutputTokens int
	TTFTSLO      float64 // objective on time to first token, seconds
	TPOTSLO      float64 // objective on time per output token, seconds
}

// Device is the state of the phone on which the task arose.
type Device struct {
	Index     int
	X, Y      float64 // position, metres
	QueueLen  int     // tasks waiting for or running on the local processor
	Cell      int     // index of the edge server whose cell serves the phone, or -1
	CellUsers int     // uploads under way in that cell
	Battery   float64 // state of charge in [0, 1] (1 on mains power)
	TempC     float64 // SoC temperature, °C (0 when the device has no thermal model)
	Throttle  float64 // fraction of full clock the SoC runs at now, in (0, 1]
	// Waiting counts the phone's tasks waiting for a decision at this
	// slot boundary, this one included; 0 when tasks are decided as they
	// arise.
	Waiting int
}

// Target is one place the task could run, with the quantities a policy
// needs, estimated by the world at decision time. Estimates assume that
// nothing else changes while the task is served: they are what a phone
// could compute, not what will happen.
type Target struct {
	Kind  TargetKind
	Name  string // "local", "local-npu@qnn" (another processor of the phone), "edge-0", …, "cloud", "peer-17"; stable across a run
	Index int    // for Local the phone's processor (0 its first), for Edge the server, for D2D the peer phone; -1 for the cloud

	Distance     float64 // metres from the phone to the serving site (0 for local)
	UplinkRate   float64 // bit/s the upload would get if it started now (0 for local)
	TransferTime float64 // seconds to send the input and receive the output, with propagation
	QueueLen     int     // tasks waiting for or running at the target's processor
	QueueWait    float64 // seconds of work queued ahead of this task at the target
	ComputeTime  float64 // seconds of computation at the target (an LLM's prefill and decode)
	FirstTime    float64 // seconds of computation until the first result (an LLM's prefill; = ComputeTime for vision)
	Energy       float64 // joules the phone would spend on the task
	// OutOfMemory is true when the task's model does not fit the
	// target's memory: a task sent there is refused.
	OutOfMemory bool
}

// EstimatedLatency is the target's estimated finish time relative to now:
// transfer, queueing and computation.
func (t *Target) EstimatedLatency() float64 {
	return t.TransferTime + t.QueueWait + t.ComputeTime
}

// Observation is what a policy sees at a decision point. Targets are listed
// in a stable order: local first, then the edge servers in range by index,
// then the cloud, then the D2D peers that would accept the task, by index.
type Observation struct {
	Now     float64 // simulated seconds
	Task    Task
	Device  Device
	Targets []Target
}

// Decision names the chosen target by its index in Observation.Targets.
type Decision struct {
	Target int
	// Split, for an LLM request, runs only the prefill at Target; its KV
	// cache then moves to DecodeTarget (another index into
	// Observation.Targets), which decodes and sends the rest of the
	// output. The first token comes back from Target.
	Split        bool
	DecodeTarget int
}
