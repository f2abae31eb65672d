package workloads

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// DAG is a job of dependent subtasks: a directed acyclic graph whose nodes
// are subtasks (DAGTask) and whose edges carry the data a parent hands to a
// child. A subtask may start only when all its parents have finished and
// their data has reached the place where it runs.
//
// Task IDs are indices into Tasks. Edges are sorted by From, then To, with
// no duplicates, and each task's Parents and Children list, in ascending
// order, the ends of its edges. NewDAG builds a DAG in that form from tasks
// and edges; Validate checks a DAG built by hand.
//
// The methods that walk the graph (TopoOrder, Levels, CriticalPath,
// Makespan, …) assume a valid DAG: they panic on a cycle or an index out
// of range, which is a programming error. DAGs from NewDAG, LayeredDAG and
// ReadAlibabaBatchTasks are valid.
type DAG struct {
	Tasks []DAGTask
	Edges []Edge
}

// DAGTask is one subtask of a DAG.
type DAGTask struct {
	ID   int    // index in DAG.Tasks
	Name string // for people and traces; not used by the algorithms

	// Ops is the subtask's work in operations. For trace jobs an operation
	// is one CPU cycle (see AlibabaOptions); for generated jobs it is
	// whatever the configured range means, usually cycles as in most MEC
	// papers. A processor that performs S operations per second runs the
	// subtask in Ops/S seconds.
	Ops float64

	// InputBytes is what the subtask needs from the job's origin (the
	// device on which the job arose) before it can start, typically
	// non-zero only for entry subtasks. OutputBytes is the result it sends
	// back to the origin when it finishes, typically non-zero only for exit
	// subtasks. Data between subtasks travels on Edges instead.
	InputBytes  float64
	OutputBytes float64

	Parents  []int // IDs of the subtasks this one waits for, ascending
	Children []int // IDs of the subtasks that wait for this one, ascending
}

// Edge is a dependency: To may start only after From has finished and
// Bytes of its output have reached the place where To runs.
type Edge struct {
	From, To int
	Bytes    float64 // data from parent to child; finite and ≥ 0
}

// Schedule is the timing of one execution of a DAG, in seconds from the
// job's arrival.
type Schedule struct {
	Start, Finish []float64 // per task ID
	Makespan      float64   // when the last subtask has finished and every result is back at the origin
}

// ErrDAGCycle is wrapped by the errors that report a dependency cycle.
var ErrDAGCycle = errors.New("dependency cycle")

// NewDAG returns the DAG of tasks and edges. It sets each task's ID to its
// index and derives Parents and Children from edges, replacing whatever
// those fields held; it sorts a copy of edges by From, then To. It returns
// an error if an edge names a task out of range or itself, if two edges
// join the same pair, if a number is negative or not finite, or if the
// edges form a cycle.
func NewDAG(tasks []DAGTask, edges []Edge) (DAG, error) {
	d := DAG{Tasks: make([]DAGTask, len(tasks)), Edges: slices.Clone(edges)}
	for i, t := range tasks {
		t.ID = i
		t.Parents, t.Children = nil, nil
		d.Tasks[i] = t
	}
	var errs []error
	for _, e := range d.Edges {
		if e.From < 0 || e.From >= len(tasks) || e.To < 0 || e.To >= len(tasks) {
			errs = append(errs, fmt.Errorf("edge %d→%d: task out of range [0, %d)", e.From, e.To, len(tasks)))
		}
	}
	if len(errs) > 0 {
		return DAG{}, dagError(errs)
	}
	slices.SortStableFunc(d.Edges, compareEdges)
	for _, e := range d.Edges {
		d.Tasks[e.From].Children = append(d.Tasks[e.From].Children, e.To)
		d.Tasks[e.To].Parents = append(d.Tasks[e.To].Parents, e.From)
	}
	for i := range d.Tasks {
		slices.Sort(d.Tasks[i].Parents)
	}
	if err := d.Validate(); err != nil {
		return DAG{}, err
	}
	return d, nil
}

func compareEdges(a, b Edge) int {
	return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
}

// Validate reports every way in which d is not a valid DAG: an ID that is
// not its index, a negative or non-finite amount of work or data, an edge
// out of range, to itself, duplicated or out of order, Parents or Children
// that disagree with Edges, and a cycle (wrapping ErrDAGCycle).
func (d DAG) Validate() error {
	n := len(d.Tasks)
	var errs []error
	for i, t := range d.Tasks {
		if t.ID != i {
			errs = append(errs, fmt.Errorf("task %d has ID %d", i, t.ID))
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"Ops", t.Ops}, {"InputBytes", t.InputBytes}, {"OutputBytes", t.OutputBytes}} {
			if !finiteNonNegative(f.v) {
				errs = append(errs, fmt.Errorf("task %d %s %v: want a finite number ≥ 0", i, f.name, f.v))
			}
		}
	}
	parents := make([][]int, n)
	children := make([][]int, n)
	for k, e := range d.Edges {
		switch {
		case e.From < 0 || e.From >= n || e.To < 0 || e.To >= n:
			errs = append(errs, fmt.Errorf("edge %d→%d: task out of range [0, %d)", e.From, e.To, n))
			continue
		case e.From == e.To:
			errs = append(errs, fmt.Errorf("edge %d→%d: %w: a task depends on itself", e.From, e.To, ErrDAGCycle))
		case k > 0 && compareEdges(d.Edges[k-1], e) == 0:
			errs = append(errs, fmt.Errorf("edge %d→%d: duplicate", e.From, e.To))
		case k > 0 && compareEdges(d.Edges[k-1], e) > 0:
			errs = append(errs, fmt.Errorf("edge %d→%d: out of order after %d→%d (want sorted by From, then To)",
				e.From, e.To, d.Edges[k-1].From, d.Edges[k-1].To))
		}
		if !finiteNonNegative(e.Bytes) {
			errs = append(errs, fmt.Errorf("edge %d→%d: Bytes %v: want a finite number ≥ 0", e.From, e.To, e.Bytes))
		}
		children[e.From] = append(children[e.From], e.To)
		parents[e.To] = append(parents[e.To], e.From)
	}
	consistent := true
	for i, t := range d.Tasks {
		slices.Sort(parents[i])
		slices.Sort(children[i])
		if !slices.Equal(t.Parents, parents[i]) {
			errs = append(errs, fmt.Errorf("task %d: Parents %v, but the edges give %v", i, t.Parents, parents[i]))
			consistent = false
		}
		if !slices.Equal(t.Children, children[i]) {
			errs = append(errs, fmt.Errorf("task %d: Children %v, but the edges give %v", i, t.Children, children[i]))
			consistent = false
		}
	}
	if consistent && len(errs) == 0 {
		if cycle := findCycle(children); cycle != nil {
			errs = append(errs, fmt.Errorf("%w: %s", ErrDAGCycle, d.pathString(cycle)))
		}
	}
	return dagError(errs)
}

func dagError(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: invalid DAG: %w", errors.Join(errs...))
}

func finiteNonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// pathString writes a path of task IDs with their names, as "0 (M1) → 2 (R3_1)".
func (d DAG) pathString(path []int) string {
	var b strings.Builder
	for k, i := range path {
		if k > 0 {
			b.WriteString(" → ")
		}
		fmt.Fprintf(&b, "%d", i)
		if name := d.Tasks[i].Name; name != "" {
			fmt.Fprintf(&b, " (%s)", name)
		}
	}
	return b.String()
}

// findCycle returns the nodes of a cycle in the graph of children, the
// first node repeated at the end, or nil if the graph is acyclic. The
// search starts from the lowest node and follows children in the given
// order, so the answer is deterministic.
func findCycle(children [][]int) []int {
	const (
		unseen = iota
		onStack
		done
	)
	state := make([]int8, len(children))
	var stack []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onStack
		stack = append(stack, i)
		for _, c := range children[i] {
			switch state[c] {
			case onStack:
				at := slices.Index(stack, c)
				found = append(slices.Clone(stack[at:]), c)
				return true
			case unseen:
				if visit(c) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = done
		return false
	}
	for i := range children {
		if state[i] == unseen && visit(i) {
			return found
		}
	}
	return nil
}

// Edge returns the edge from → to, if there is one.
func (d DAG) Edge(from, to int) (Edge, bool) {
	k, ok := slices.BinarySearchFunc(d.Edges, Edge{From: from, To: to}, compareEdges)
	if !ok {
		return Edge{}, false
	}
	return d.Edges[k], true
}

// TopoOrder returns the task IDs in an order in which every task comes
// after all its parents: Kahn's algorithm, starting from the entry tasks in
// ID order and releasing children first in, first out. It panics if d has
// a cycle.
func (d DAG) TopoOrder() []int {
	indeg := make([]int, len(d.Tasks))
	for _, t := range d.Tasks {
		indeg[t.ID] = len(t.Parents)
	}
	order := make([]int, 0, len(d.Tasks))
	for i, k := range indeg {
		if k == 0 {
			order = append(order, i)
		}
	}
	for head := 0; head < len(order); head++ {
		for _, c := range d.Tasks[order[head]].Children {
			indeg[c]--
			if indeg[c] == 0 {
				order = append(order, c)
			}
		}
	}
	if len(order) != len(d.Tasks) {
		panic("workloads: DAG has a dependency cycle (Validate it first)")
	}
	return order
}

// Entries returns the IDs of the tasks without parents, ascending.
func (d DAG) Entries() []int {
	var ids []int
	for i, t := range d.Tasks {
		if len(t.Parents) == 0 {
			ids = append(ids, i)
		}
	}
	return ids
}

// Exits returns the IDs of the tasks without children, ascending.
func (d DAG) Exits() []int {
	var ids []int
	for i, t := range d.Tasks {
		if len(t.Children) == 0 {
			ids = append(ids, i)
		}
	}
	return ids
}

// Levels returns the level of each task: 0 for an entry task, otherwise
// one more than the highest level among its parents, so that a task's
// level is the number of edges on the longest chain of dependencies that
// leads to it.
func (d DAG) Levels() []int {
	level := make([]int, len(d.Tasks))
	for _, i := range d.TopoOrder() {
		for _, p := range d.Tasks[i].Parents {
			level[i] = max(level[i], level[p]+1)
		}
	}
	return level
}

// Layers groups the task IDs by level (see Levels): Layers()[l] lists the
// tasks of level l, ascending. A DAG of n tasks has at most n layers; the
// number of layers is its depth.
func (d DAG) Layers() [][]int {
	var layers [][]int
	for i, l := range d.Levels() {
		for len(layers) <= l {
			layers = append(layers, nil)
		}
		layers[l] = append(layers[l], i)
	}
	return layers
}

// inEdges returns, per task, the indices into d.Edges of its incoming edges.
func (d DAG) inEdges() [][]int {
	in := make([][]int, len(d.Tasks))
	for k, e := range d.Edges {
		in[e.To] = append(in[e.To], k)
	}
	return in
}

// UpwardRank returns HEFT's upward rank of each task (Topcuoglu, Hariri
// and Wu, "Performance-effective and low-complexity task scheduling for
// heterogeneous computing", IEEE TPDS 13(3), 2002, eq. 7): the length of
// the longest path from the task to an exit task, counting the task's own
// compute time and every node and edge after it,
//
//	rank(i) = compute(i) + max over children j of (transfer(i→j) + rank(j)).
//
// compute(i) is task i's cost and transfer(e) an edge's cost, usually
// averages over the places a task might run, as in HEFT. Sorting tasks by
// decreasing rank (PriorityOrder) gives HEFT's priority list.
func (d DAG) UpwardRank(compute func(task int) float64, transfer func(e Edge) float64) []float64 {
	rank := make([]float64, len(d.Tasks))
	order := d.TopoOrder()
	// Outgoing edges of task i are a contiguous run of the sorted Edges.
	first := make([]int, len(d.Tasks)+1)
	for _, e := range d.Edges {
		first[e.From+1]++
	}
	for i := range d.Tasks {
		first[i+1] += first[i]
	}
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		best := 0.0
		for _, e := range d.Edges[first[i]:first[i+1]] {
			best = max(best, transfer(e)+rank[e.To])
		}
		rank[i] = compute(i) + best
	}
	return rank
}

// PriorityOrder returns the task IDs sorted by decreasing rank, ties
// broken by TopoOrder position. When every cost is ≥ 0, a parent's upward
// rank is at least its child's, so the order of UpwardRank is a
// topological order, HEFT's task list. Ranks are compared exactly: two
// that would tie in exact arithmetic may differ in their last bits (sums
// of thirds, say), and then the bits decide.
func (d DAG) PriorityOrder(rank []float64) []int {
	if len(rank) != len(d.Tasks) {
		panic(fmt.Sprintf("workloads: %d ranks for a DAG of %d tasks", len(rank), len(d.Tasks)))
	}
	order := d.TopoOrder()
	pos := make([]int, len(order))
	for k, i := range order {
		pos[i] = k
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(rank[b], rank[a]), cmp.Compare(pos[a], pos[b]))
	})
	return order
}

// CriticalPath returns the length of the longest path through d, where a
// task costs compute(task) and an edge transfer(edge), and the task IDs
// along it from an entry task to an exit task. Ties go to the lowest ID.
// An empty DAG has length 0 and no path.
//
// The caller decides what things cost. With transfer returning 0 the
// result is the compute-only critical path, the makespan of the job run
// on unlimited processors in one place; with transfer depending on where
// each end runs (0 when both run in the same place) it is the makespan of
// that placement, which Makespan also computes, along with the origin's
// input and output transfers.
func (d DAG) CriticalPath(compute func(task int) float64, transfer func(e Edge) float64) (length float64, path []int) {
	if len(d.Tasks) == 0 {
		return 0, nil
	}
	rank := d.UpwardRank(compute, transfer)
	cur := -1
	for _, i := range d.Entries() {
		if cur < 0 || rank[i] > rank[cur] {
			cur = i
		}
	}
	length = rank[cur]
	path = []int{cur}
	for len(d.Tasks[cur].Children) > 0 {
		next, best := -1, 0.0
		for _, c := range d.Tasks[cur].Children {
			e, _ := d.Edge(cur, c)
			if v := transfer(e) + rank[c]; next < 0 || v > best {
				next, best = c, v
			}
		}
		cur = next
		path = append(path, cur)
	}
	return length, path
}

// Makespan times one execution of d with the tasks placed as given, on
// unlimited processors at every place, so that tasks wait only for their
// inputs, never for each other. It is the reference against which a
// simulated DAG execution is checked.
//
// place[i] is where task i runs and origin where the job arose, at time 0;
// the numbers are the caller's (0 the device, 1 an edge server, …).
// compute(i, p) is task i's run time at place p, and transfer(from, to, b)
// the time to move b bytes from place from to place to. A task starts at
// the latest of
//
//   - transfer(origin, place[i], InputBytes), if it runs away from the
//     origin and has input bytes (else 0);
//   - for each parent p, p's finish, plus transfer(place[p], place[i],
//     edge bytes) if they run in different places, whatever the bytes, so
//     that a transfer function may charge a fixed latency per message.
//
// It finishes compute(i, place[i]) later; a task that runs away from the
// origin and has output bytes is done when they are back, transfer(place[i],
// origin, OutputBytes) after it finishes. The makespan is the latest time a
// task is done. With every task at the origin it equals the compute-only
// CriticalPath.
//
// Transfers do not share links or queue: each is as fast as transfer says.
// Makespan panics if len(place) != len(d.Tasks).
func (d DAG) Makespan(place []int, origin int, compute func(task, place int) float64, transfer func(from, to int, bytes float64) float64) Schedule {
	if len(place) != len(d.Tasks) {
		panic(fmt.Sprintf("workloads: %d places for a DAG of %d tasks", len(place), len(d.Tasks)))
	}
	s := Schedule{Start: make([]float64, len(d.Tasks)), Finish: make([]float64, len(d.Tasks))}
	in := d.inEdges()
	for _, i := range d.TopoOrder() {
		t, at := d.Tasks[i], place[i]
		start := 0.0
		if at != origin && t.InputBytes > 0 {
			start = transfer(origin, at, t.InputBytes)
		}
		for _, k := range in[i] {
			e := d.Edges[k]
			ready := s.Finish[e.From]
			if from := place[e.From]; from != at {
				ready += transfer(from, at, e.Bytes)
			}
			start = max(start, ready)
		}
		s.Start[i] = start
		s.Finish[i] = start + compute(i, at)
		done := s.Finish[i]
		if at != origin && t.OutputBytes > 0 {
			done += transfer(at, origin, t.OutputBytes)
		}
		s.Makespan = max(s.Makespan, done)
	}
	return s
}

// UniformRange is a uniform distribution on [Min, Max]; Min == Max is a
// constant. The zero value is the constant 0.
type UniformRange struct {
	Min, Max float64 // finite, 0 ≤ Min ≤ Max
}

// Draw returns a value uniform on [Min, Max). It always takes exactly one
// draw from r, even when Min == Max, so that changing a range leaves every
// other draw of a generator where it was.
func (u UniformRange) Draw(r *rand.Rand) float64 {
	return u.Min + (u.Max-u.Min)*r.Float64()
}

// Validate reports whether 0 ≤ Min ≤ Max, both finite.
func (u UniformRange) Validate() error {
	if !finiteNonNegative(u.Min) || !finiteNonNegative(u.Max) || u.Min > u.Max {
		return fmt.Errorf("range [%v, %v]: want finite 0 ≤ Min ≤ Max", u.Min, u.Max)
	}
	return nil
}

// IntRange is a uniform distribution on the integers Min, …, Max.
type IntRange struct {
	Min, Max int
}

// Draw returns an integer uniform on [Min, Max], taking exactly one draw
// from r.
func (u IntRange) Draw(r *rand.Rand) int { return u.Min + r.IntN(u.Max-u.Min+1) }

// validate reports whether lo ≤ Min ≤ Max.
func (u IntRange) validate(lo int) error {
	if u.Min < lo || u.Min > u.Max {
		return fmt.Errorf("range [%d, %d]: want %d ≤ Min ≤ Max", u.Min, u.Max, lo)
	}
	return nil
}

// LayeredDAG generates random layered DAGs, the kind of dependent-task job
// studied by Com-DDPG (Gao et al., "Com-DDPG: A Multiagent Reinforcement
// Learning-based Offloading Strategy for Mobile Edge Computing",
// arXiv:2012.05105) and most dependent-offloading papers: subtasks stand
// in layers, and edges run from each layer to the following ones.
// Jump > 1 lets edges skip layers, as the jump parameter of the random
// task graphs used to evaluate HEFT-style schedulers.
//
// A generated DAG has exactly Layers levels and its layer l is level l
// (Levels, Layers): every subtask after the first layer has a parent in
// the layer just before it, the first layer holds the entry subtasks and
// the last the exits. A LayeredDAG is configuration; Generate takes the
// caller's stream.
type LayeredDAG struct {
	Layers int      // depth: number of layers, ≥ 1
	Width  IntRange // subtasks per layer, Min ≥ 1

	// FanOut is how many children each subtask before the last layer
	// picks, without repetition, among the subtasks of the next Jump
	// layers (all of them if there are fewer); Min ≥ 1. A subtask that
	// no parent in the layer just before picked then gets one there,
	// chosen uniformly, so an out-degree may exceed FanOut.Max.
	FanOut IntRange
	Jump   int // how many layers ahead an edge may reach; 0 means 1, adjacent layers only

	OneEntry bool // the first layer holds a single subtask, whatever Width says
	OneExit  bool // the last layer holds a single subtask, whatever Width says

	Ops         UniformRange // work per subtask, in operations (see DAGTask.Ops)
	EdgeBytes   UniformRange // data on each edge
	InputBytes  UniformRange // data each entry subtask needs from the job's origin
	OutputBytes UniformRange // data each exit subtask returns to the origin
}

// Validate reports every field out of range, naming it.
func (c LayeredDAG) Validate() error {
	var errs []error
	if c.Layers < 1 {
		errs = append(errs, fmt.Errorf("Layers %d: want ≥ 1", c.Layers))
	}
	if c.Jump < 0 {
		errs = append(errs, fmt.Errorf("Jump %d: want ≥ 0", c.Jump))
	}
	for _, f := range []struct {
		name string
		err  error
	}{
		{"Width", c.Width.validate(1)},
		{"FanOut", c.FanOut.validate(1)},
		{"Ops", c.Ops.Validate()},
		{"EdgeBytes", c.EdgeBytes.Validate()},
		{"InputBytes", c.InputBytes.Validate()},
		{"OutputBytes", c.OutputBytes.Validate()},
	} {
		if f.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, f.err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("workloads: LayeredDAG: %w", errors.Join(errs...))
	}
	return nil
}

// Generate draws a DAG from r. The draws come in a fixed order: every
// layer's width, then, subtask by subtask, the fan-out and the children,
// then the parents of subtasks left without one in the layer before; then
// the numbers: Ops per subtask, Bytes per edge (in Edges order), InputBytes
// per entry, OutputBytes per exit. Each number takes one draw whatever its
// range, so two configurations that differ only in ranges give DAGs of the
// same shape from the same stream. Subtasks are numbered layer by layer
// and named "L<layer>.<index in layer>".
//
// Generate panics if c is not valid (Validate refuses it in configurations).
func (c LayeredDAG) Generate(r *rand.Rand) DAG {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	jump := max(c.Jump, 1)

	// Layers of consecutive IDs: layer l holds IDs [first[l], first[l+1]).
	first := make([]int, c.Layers+1)
	for l := range c.Layers {
		w := c.Width.Draw(r)
		if (l == 0 && c.OneEntry) || (l == c.Layers-1 && c.OneExit) {
			w = 1
		}
		first[l+1] = first[l] + w
	}
	n := first[c.Layers]
	layerOf := make([]int, n)
	for l := range c.Layers {
		for i := first[l]; i < first[l+1]; i++ {
			layerOf[i] = l
		}
	}

	edge := make(map[[2]int]bool) // membership only; never iterated
	var edges []Edge
	add := func(from, to int) {
		if !edge[[2]int{from, to}] {
			edge[[2]int{from, to}] = true
			edges = append(edges, Edge{From: from, To: to})
		}
	}
	for i := range first[c.Layers-1] {
		l := layerOf[i]
		cand := make([]int, 0, first[min(l+1+jump, c.Layers)]-first[l+1])
		for j := first[l+1]; j < first[min(l+1+jump, c.Layers)]; j++ {
			cand = append(cand, j)
		}
		k := min(c.FanOut.Draw(r), len(cand))
		for m := range k { // partial Fisher–Yates
			s := m + r.IntN(len(cand)-m)
			cand[m], cand[s] = cand[s], cand[m]
			add(i, cand[m])
		}
	}
	hasPrev := make([]bool, n) // has a parent in the layer just before
	for _, e := range edges {
		if layerOf[e.From] == layerOf[e.To]-1 {
			hasPrev[e.To] = true
		}
	}
	for j := first[1]; j < n; j++ {
		if !hasPrev[j] {
			l := layerOf[j]
			add(first[l-1]+r.IntN(first[l]-first[l-1]), j)
		}
	}

	tasks := make([]DAGTask, n)
	for i := range tasks {
		tasks[i].Name = fmt.Sprintf("L%d.%d", layerOf[i], i-first[layerOf[i]])
		tasks[i].Ops = c.Ops.Draw(r)
	}
	slices.SortFunc(edges, compareEdges)
	for k := range edges {
		edges[k].Bytes = c.EdgeBytes.Draw(r)
	}
	for i := first[0]; i < first[1]; i++ {
		tasks[i].InputBytes = c.InputBytes.Draw(r)
	}
	for i := first[c.Layers-1]; i < n; i++ {
		tasks[i].OutputBytes = c.OutputBytes.Draw(r)
	}
	d, err := NewDAG(tasks, edges)
	if err != nil {
		panic(fmt.Sprintf("workloads: LayeredDAG built an invalid DAG: %v", err))
	}
	return d
}
