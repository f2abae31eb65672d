package workloads

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file reads the batch_task table of Alibaba's cluster-trace-v2018
// (github.com/alibaba/clusterdata, cluster-trace-v2018/schema.txt, "batch
// task", and trace_2018.md, section 2.3 "DAG of batch workloads"). The
// table is a CSV file without a header; each line is one task of a batch
// job, in the columns
//
//	task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem
//
// task_name is unique within its job and encodes the job's DAG: in "M1",
// "R2_1" and "J3_1_2" the number after the leading letters is the task's
// own, and each number after an underscore names a task it depends on (so
// task 3 waits for tasks 1 and 2); the letters do not matter. Tasks of
// jobs that are not DAGs have names without that form, such as
// "task_Nzg3ODAw…" or "MergeTask", and are independent. instance_num is
// the number of instances of the task, and a task is finished when all of
// them are; start_time and end_time are in seconds from the start of the
// trace (0 standing for a time outside its eight days); plan_cpu is the
// planned CPU, 100 meaning one core; plan_mem the planned memory,
// normalised to [0, 100] (the trace marks invalid normalised values as -1
// or 101).

// DefaultCoreHz is the speed assumed for one core of the trace's machines
// when AlibabaOptions.CoreHz is 0: 2.5 GHz, a round figure for the server
// CPUs of 2018. It is not a property the trace records; set CoreHz to
// match the devices that the jobs are meant to run on.
const DefaultCoreHz = 2.5e9

// alibabaColumns are the batch_task columns in file order.
var alibabaColumns = [...]string{
	"task_name", "instance_num", "job_name", "task_type", "status",
	"start_time", "end_time", "plan_cpu", "plan_mem",
}

// AlibabaOptions maps batch_task rows onto DAG jobs. The zero value reads
// strictly, with DefaultCoreHz, the work of all instances per subtask and
// no data on the edges.
type AlibabaOptions struct {
	// CoreHz converts core-seconds into operations (cycles): a task's Ops
	// is plan_cpu/100 × (end_time − start_time) × CoreHz, times
	// instance_num unless PerInstance. 0 means DefaultCoreHz.
	CoreHz float64

	// PerInstance makes a subtask carry the work of one instance, for a
	// caller that runs the instances in parallel (AlibabaTask.Instances
	// says how many). By default a subtask carries the work of all of
	// them: the trace's start and end times span the whole task, so each
	// instance is taken to have run for all of it, and a place that runs
	// the subtask runs every instance.
	PerInstance bool

	// Data on each edge: when MemBytes > 0, a parent hands each child
	// plan_mem/100 × MemBytes bytes, MemBytes being the memory that
	// plan_mem 100 stands for (the trace normalises it to the largest
	// machine), as if a task passed on as much as one instance plans to
	// hold; otherwise every edge carries EdgeBytes. The trace records no
	// data sizes: both are modelling choices. Setting both is an error.
	MemBytes  float64
	EdgeBytes float64

	// InputBytes is what each entry subtask needs from the job's origin
	// and OutputBytes what each exit subtask sends back (DAGTask); the
	// trace says nothing of either.
	InputBytes  float64
	OutputBytes float64

	// SkipBad skips a bad row instead of failing: the row, and every task
	// that depends on it, is left out and reported in
	// AlibabaTrace.Skipped with the reason.
	SkipBad bool
}

// Validate reports the options that are negative or not finite, or
// ambiguous.
func (o AlibabaOptions) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"CoreHz", o.CoreHz}, {"MemBytes", o.MemBytes}, {"EdgeBytes", o.EdgeBytes},
		{"InputBytes", o.InputBytes}, {"OutputBytes", o.OutputBytes}} {
		if !finiteNonNegative(f.v) {
			errs = append(errs, fmt.Errorf("%s %v: want a finite number ≥ 0", f.name, f.v))
		}
	}
	if o.MemBytes > 0 && o.EdgeBytes > 0 {
		errs = append(errs, fmt.Errorf("MemBytes %v and EdgeBytes %v: set one way of sizing edges, not both", o.MemBytes, o.EdgeBytes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("workloads: AlibabaOptions: %w", errors.Join(errs...))
	}
	return nil
}

// AlibabaTask is one row of batch_task.
type AlibabaTask struct {
	Line      int     // 1-based line of the input
	Name      string  // task_name
	Number    int     // the task's number in its job's DAG names (3 for "J3_1_2"), or -1 if its name carries none
	Deps      []int   // numbers of the tasks it depends on (1, 2 for "J3_1_2"), ascending, without repeats
	Instances int     // instance_num, ≥ 1
	Type      string  // task_type
	Status    string  // status, such as Terminated or Failed
	Start     int64   // start_time, seconds from the start of the trace
	End       int64   // end_time, seconds, ≥ Start
	PlanCPU   float64 // plan_cpu: 100 is one core
	PlanMem   float64 // plan_mem: normalised memory in [0, 100]
}

// AlibabaJob is a batch job mapped onto a DAG.
type AlibabaJob struct {
	Name    string // job_name
	Arrival int64  // the earliest start_time of its tasks, seconds from the start of the trace

	// DAG has one subtask per task, in the order of their lines, named by
	// task_name; Tasks holds the rows they came from, index for index.
	DAG   DAG
	Tasks []AlibabaTask
}

// AlibabaTrace is what ReadAlibabaBatchTasks read.
type AlibabaTrace struct {
	Jobs    []AlibabaJob  // by Arrival, then by the line of their first task
	Rows    int           // data lines read, skipped ones included
	Skipped []*ParseError // with SkipBad: every row left out, by line, with its reason
}

// SkippedFor returns how many rows were skipped for reason, one of the
// ErrAlibaba… errors or ErrDAGCycle.
func (t AlibabaTrace) SkippedFor(reason error) int {
	n := 0
	for _, e := range t.Skipped {
		if errors.Is(e, reason) {
			n++
		}
	}
	return n
}

// The reasons for which a batch_task row is refused; errors.Is finds them
// in a *ParseError. A row on a dependency cycle is refused with ErrDAGCycle.
var (
	ErrAlibabaFields        = errors.New("wrong number of fields")
	ErrAlibabaValue         = errors.New("bad value")
	ErrAlibabaDuplicate     = errors.New("duplicate task in job")
	ErrAlibabaMissingParent = errors.New("depends on a task that is not in the job")
	ErrAlibabaSkippedParent = errors.New("depends on a skipped task")
)

// ReadAlibabaBatchTasks reads a batch_task table from r (the format is at
// the top of alibaba.go) and maps each job onto a DAG: rows are grouped by
// job_name wherever they stand in the file; a subtask's Ops are its
// task's planned work in cycles and its edges carry data as opt says.
//
// A bad row is one with other than nine fields, an empty task or job
// name, a number that does not parse or is out of range (instance_num
// < 1, a negative time, end_time before start_time, plan_cpu < 0, plan_mem
// outside [0, 100]), a task name or number already seen in its job, a
// dependency on a task that is not in the job, or a place on a dependency
// cycle. Without opt.SkipBad the first bad row is an error, a *ParseError
// naming its line and column: rows are checked as they are read,
// dependencies and cycles once the whole input is in. With SkipBad the
// row is left out, and so is every task that depends on it, each recorded
// in Skipped. A job all of whose rows are bad is left out.
//
// The whole table is held in memory: filter the full trace, millions of
// rows, down to the jobs wanted before reading it.
func ReadAlibabaBatchTasks(r io.Reader, opt AlibabaOptions) (AlibabaTrace, error) {
	if err := opt.Validate(); err != nil {
		return AlibabaTrace{}, err
	}
	var (
		trace AlibabaTrace
		jobs  []*alibabaJob
		byJob = make(map[string]*alibabaJob) // lookup only; jobs keeps the order
	)
	jobNamed := func(name string) *alibabaJob {
		j := byJob[name]
		if j == nil {
			j = &alibabaJob{name: name, numbers: make(map[int]int), names: make(map[string]int), skippedAt: make(map[int]int)}
			byJob[name] = j
			jobs = append(jobs, j)
		}
		return j
	}
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		text, readErr := br.ReadString('\n')
		if readErr != nil && readErr != io.EOF {
			return AlibabaTrace{}, fmt.Errorf("workloads: reading batch_task, line %d: %w", line, readErr)
		}
		if text = strings.TrimRight(text, "\r\n"); strings.TrimSpace(text) != "" {
			trace.Rows++
			t, job, perr := parseAlibabaRow(line, text)
			switch {
			case perr == nil:
				perr = jobNamed(job).add(t)
			case job != "" && t.Number >= 0:
				// Remember the bad row, so that its dependants can say
				// why they are refused.
				if j := jobNamed(job); j.skippedAt[t.Number] == 0 {
					j.skippedAt[t.Number] = line
				}
			}
			if perr != nil {
				if !opt.SkipBad {
					return AlibabaTrace{}, perr
				}
				trace.Skipped = append(trace.Skipped, perr)
			}
		}
		if readErr == io.EOF {
			break
		}
	}

	var first *ParseError // the earliest root cause, without SkipBad
	for _, j := range jobs {
		job, problems := j.build(opt)
		for _, p := range problems {
			if opt.SkipBad {
				trace.Skipped = append(trace.Skipped, p.err)
			} else if p.root && (first == nil || p.err.Line < first.Line) {
				first = p.err
			}
		}
		if len(job.Tasks) > 0 {
			trace.Jobs = append(trace.Jobs, job)
		}
	}
	if first != nil {
		return AlibabaTrace{}, first
	}
	slices.SortStableFunc(trace.Skipped, func(a, b *ParseError) int { return cmp.Compare(a.Line, b.Line) })
	slices.SortStableFunc(trace.Jobs, func(a, b AlibabaJob) int {
		return cmp.Or(cmp.Compare(a.Arrival, b.Arrival), cmp.Compare(a.Tasks[0].Line, b.Tasks[0].Line))
	})
	return trace, nil
}

// parseAlibabaRow parses one line. On an error it still returns the job
// name and the task's number when those fields were readable.
func parseAlibabaRow(line int, text string) (AlibabaTask, string, *ParseError) {
	t := AlibabaTask{Line: line, Number: -1}
	f := strings.Split(text, ",")
	if len(f) != len(alibabaColumns) {
		return t, "", &ParseError{Line: line, Err: fmt.Errorf("%w: %d, want %d (%s)",
			ErrAlibabaFields, len(f), len(alibabaColumns), strings.Join(alibabaColumns[:], ","))}
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	bad := func(col int, format string, args ...any) *ParseError {
		return &ParseError{Line: line, Column: alibabaColumns[col],
			Err: fmt.Errorf("%w: %s", ErrAlibabaValue, fmt.Sprintf(format, args...))}
	}
	t.Name, t.Type, t.Status = f[0], f[3], f[4]
	job := f[2]
	if t.Name != "" {
		t.Number, t.Deps = parseAlibabaTaskName(t.Name)
	}
	switch {
	case t.Name == "":
		return t, job, bad(0, "empty")
	case job == "":
		return t, job, bad(2, "empty")
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 1 {
		return t, job, bad(1, "%q: want a whole number ≥ 1", f[1])
	}
	t.Instances = n
	for k, dst := range []*int64{&t.Start, &t.End} {
		v, err := strconv.ParseInt(f[5+k], 10, 64)
		if err != nil || v < 0 {
			return t, job, bad(5+k, "%q: want whole seconds ≥ 0", f[5+k])
		}
		*dst = v
	}
	if t.End < t.Start {
		return t, job, bad(6, "%d is before start_time %d", t.End, t.Start)
	}
	for k, dst := range []*float64{&t.PlanCPU, &t.PlanMem} {
		v, err := strconv.ParseFloat(f[7+k], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return t, job, bad(7+k, "%q is not a finite number", f[7+k])
		}
		*dst = v
	}
	if t.PlanCPU < 0 {
		return t, job, bad(7, "%v: want ≥ 0", t.PlanCPU)
	}
	if t.PlanMem < 0 || t.PlanMem > 100 {
		return t, job, bad(8, "%v: want a normalised size in [0, 100] (the trace writes -1 or 101 for invalid values)", t.PlanMem)
	}
	return t, job, nil
}

// parseAlibabaTaskName reads the DAG information of a task name: letters,
// the task's number, then an underscore before each number it depends on.
// A name of any other form carries none: number -1.
func parseAlibabaTaskName(name string) (number int, deps []int) {
	i := 0
	for i < len(name) && (name[i] >= 'A' && name[i] <= 'Z' || name[i] >= 'a' && name[i] <= 'z') {
		i++
	}
	if i == 0 {
		return -1, nil
	}
	parts := strings.Split(name[i:], "_")
	nums := make([]int, len(parts))
	for k, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return -1, nil
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return -1, nil
		}
		nums[k] = v
	}
	deps = nums[1:]
	slices.Sort(deps)
	deps = slices.Compact(deps)
	if len(deps) == 0 {
		deps = nil
	}
	return nums[0], deps
}

// alibabaJob gathers the rows of one job while reading.
type alibabaJob struct {
	name      string
	tasks     []AlibabaTask
	numbers   map[int]int    // task number → index in tasks
	names     map[string]int // task name → index in tasks
	skippedAt map[int]int    // task number of a skipped row → its line
}

func (j *alibabaJob) add(t AlibabaTask) *ParseError {
	if k, dup := j.names[t.Name]; dup {
		return &ParseError{Line: t.Line, Column: "task_name", Err: fmt.Errorf("%w: %s already on line %d of job %s",
			ErrAlibabaDuplicate, t.Name, j.tasks[k].Line, j.name)}
	}
	if k, dup := j.numbers[t.Number]; dup && t.Number >= 0 {
		return &ParseError{Line: t.Line, Column: "task_name", Err: fmt.Errorf("%w: task number %d of %s already used by %s on line %d of job %s",
			ErrAlibabaDuplicate, t.Number, t.Name, j.tasks[k].Name, j.tasks[k].Line, j.name)}
	}
	j.names[t.Name] = len(j.tasks)
	if t.Number >= 0 {
		j.numbers[t.Number] = len(j.tasks)
	}
	j.tasks = append(j.tasks, t)
	return nil
}

// problem is a task refused for its place in the job's graph; root is
// false when it was refused only because a task it depends on was.
type problem struct {
	err  *ParseError
	root bool
}

// build resolves a job's dependencies, leaves out the tasks that depend on
// missing or refused tasks or stand on a cycle, and maps the rest onto a
// DAG.
func (j *alibabaJob) build(opt AlibabaOptions) (AlibabaJob, []problem) {
	n := len(j.tasks)
	dead := make([]bool, n)
	var problems []problem
	refuse := func(k int, root bool, err error) {
		dead[k] = true
		problems = append(problems, problem{
			err:  &ParseError{Line: j.tasks[k].Line, Column: "task_name", Err: err},
			root: root,
		})
	}
	for k, t := range j.tasks {
		for _, d := range t.Deps {
			if _, ok := j.numbers[d]; ok {
				continue
			}
			if line, ok := j.skippedAt[d]; ok {
				refuse(k, false, fmt.Errorf("%w: %s needs task %d of job %s, which is on bad line %d",
					ErrAlibabaSkippedParent, t.Name, d, j.name, line))
			} else {
				refuse(k, true, fmt.Errorf("%w: %s needs task %d, which job %s does not have",
					ErrAlibabaMissingParent, t.Name, d, j.name))
			}
			break
		}
	}
	for {
		// Spread refusals to dependants, in line order until nothing changes.
		for changed := true; changed; {
			changed = false
			for k, t := range j.tasks {
				if dead[k] {
					continue
				}
				for _, d := range t.Deps {
					if p := j.numbers[d]; dead[p] {
						refuse(k, false, fmt.Errorf("%w: %s needs %s (line %d), which was refused",
							ErrAlibabaSkippedParent, t.Name, j.tasks[p].Name, j.tasks[p].Line))
						changed = true
						break
					}
				}
			}
		}
		// A cycle among the remaining tasks is refused as a whole.
		children := make([][]int, n)
		for k, t := range j.tasks {
			if dead[k] {
				continue
			}
			for _, d := range t.Deps {
				children[j.numbers[d]] = append(children[j.numbers[d]], k)
			}
		}
		cycle := findCycle(children)
		if cycle == nil {
			break
		}
		var b strings.Builder
		for m, k := range cycle {
			if m > 0 {
				b.WriteString(" → ")
			}
			fmt.Fprintf(&b, "%s (line %d)", j.tasks[k].Name, j.tasks[k].Line)
		}
		for _, k := range cycle[:len(cycle)-1] {
			refuse(k, true, fmt.Errorf("%w in job %s: %s", ErrDAGCycle, j.name, b.String()))
		}
	}

	job := AlibabaJob{Name: j.name}
	id := make([]int, n) // index in tasks → subtask ID
	coreHz := cmp.Or(opt.CoreHz, DefaultCoreHz)
	var tasks []DAGTask
	for k, t := range j.tasks {
		if dead[k] {
			continue
		}
		id[k] = len(tasks)
		work := t.PlanCPU / 100 * float64(t.End-t.Start) * coreHz
		if !opt.PerInstance {
			work *= float64(t.Instances)
		}
		tasks = append(tasks, DAGTask{Name: t.Name, Ops: work})
		if len(job.Tasks) == 0 || t.Start < job.Arrival {
			job.Arrival = t.Start
		}
		job.Tasks = append(job.Tasks, t)
	}
	var edges []Edge
	for k, t := range j.tasks {
		if dead[k] {
			continue
		}
		for _, d := range t.Deps {
			p := j.numbers[d]
			bytes := opt.EdgeBytes
			if opt.MemBytes > 0 {
				bytes = j.tasks[p].PlanMem / 100 * opt.MemBytes
			}
			edges = append(edges, Edge{From: id[p], To: id[k], Bytes: bytes})
		}
	}
	d, err := NewDAG(tasks, edges)
	if err != nil {
		// The checks above leave only valid graphs.
		panic(fmt.Sprintf("workloads: job %s: %v", j.name, err))
	}
	for i := range d.Tasks {
		if len(d.Tasks[i].Parents) == 0 {
			d.Tasks[i].InputBytes = opt.InputBytes
		}
		if len(d.Tasks[i].Children) == 0 {
			d.Tasks[i].OutputBytes = opt.OutputBytes
		}
	}
	job.DAG = d
	return job, problems
}
