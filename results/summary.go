package results

import (
	"encoding/json"
	"io"
	"math"
	"slices"
)

// Summarize condenses the tasks of one policy into its summary.json entry.
// Only tasks whose Policy equals policy count, so the whole of tasks.csv can
// be passed as it is.
//
// Latency percentiles use linear interpolation between order statistics,
// numpy's default ("linear", type 7 of Hyndman and Fan): with the n
// latencies sorted as x[0] ≤ … ≤ x[n-1], the p-quantile is
//
//	h = (n-1)·p,  x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋])
//
// so p50 of an even count is the mean of the middle two and p99 of a single
// task is that task's latency. DeadlineMiss is the fraction of tasks with
// Met false; PlaceFractions maps each place to the fraction of tasks that ran
// there. Means sum in input order, so equal input gives equal bits.
//
// With no tasks every number is zero and PlaceFractions is empty (not nil),
// never NaN, which JSON cannot hold.
func Summarize(policy string, tasks []Task) PolicySummary {
	s := PolicySummary{Policy: policy, PlaceFractions: map[string]float64{}, ByKind: map[string]KindSummary{}}
	kindLat := map[string][]float64{}
	kindMiss := map[string]int{}
	var lat, ttft, tpot []float64
	var sumLat, sumTTFT, sumTPOT float64
	var missed, ttftMiss, tpotMiss int
	counts := map[string]int{}
	for i := range tasks {
		t := &tasks[i]
		if t.Policy != policy {
			continue
		}
		s.Handovers += t.Handovers
		if t.Kind != "" {
			ks := s.ByKind[t.Kind]
			if t.Status != "" && t.Status != StatusOK {
				ks.Refused++
				kindMiss[t.Kind]++
			} else {
				ks.Tasks++
				ks.MeanLatency += t.Latency
				kindLat[t.Kind] = append(kindLat[t.Kind], t.Latency)
				if !t.Met {
					kindMiss[t.Kind]++
				}
			}
			s.ByKind[t.Kind] = ks
		}
		if t.Status != "" && t.Status != StatusOK {
			s.Refused++
			if t.Status == StatusDropped {
				s.Dropped++
			}
			continue
		}
		if t.Forwarded {
			s.Forwarded++
		}
		if t.Kind == "dag" {
			s.DAGJobs++
			s.MeanSlowdown += t.Slowdown
		}
		if t.Kind == "llm" {
			ttft = append(ttft, t.TTFT)
			tpot = append(tpot, t.TPOT)
			sumTTFT += t.TTFT
			sumTPOT += t.TPOT
			if !t.TTFTMet {
				ttftMiss++
			}
			if !t.TPOTMet {
				tpotMiss++
			}
		}
		lat = append(lat, t.Latency)
		sumLat += t.Latency
		s.TotalEnergy += t.Energy
		if !t.Met {
			missed++
		}
		counts[t.Place]++
	}
	n := len(lat)
	s.Tasks = n
	if n+s.Refused > 0 {
		// A refused task missed its deadline too.
		s.DeadlineMiss = float64(missed+s.Refused) / float64(n+s.Refused)
	}
	for kind, ks := range s.ByKind {
		if ks.Tasks > 0 {
			ks.MeanLatency /= float64(ks.Tasks)
			l := kindLat[kind]
			slices.Sort(l)
			ks.P95Latency = Quantile(l, 0.95)
		}
		if n := ks.Tasks + ks.Refused; n > 0 {
			ks.MissRate = float64(kindMiss[kind]) / float64(n)
		}
		s.ByKind[kind] = ks
	}
	if s.DAGJobs > 0 {
		s.MeanSlowdown /= float64(s.DAGJobs)
	}
	if m := len(ttft); m > 0 {
		s.LLMTasks = m
		s.MeanTTFT = sumTTFT / float64(m)
		s.MeanTPOT = sumTPOT / float64(m)
		s.TTFTSLOMiss = float64(ttftMiss) / float64(m)
		s.TPOTSLOMiss = float64(tpotMiss) / float64(m)
		slices.Sort(ttft)
		slices.Sort(tpot)
		s.P95TTFT = Quantile(ttft, 0.95)
		s.P95TPOT = Quantile(tpot, 0.95)
	}
	if n == 0 {
		return s
	}
	fn := float64(n)
	s.MeanLatency = sumLat / fn
	s.MeanEnergy = s.TotalEnergy / fn
	for place, c := range counts {
		s.PlaceFractions[place] = float64(c) / fn
	}
	slices.Sort(lat)
	s.P50Latency = Quantile(lat, 0.50)
	s.P95Latency = Quantile(lat, 0.95)
	s.P99Latency = Quantile(lat, 0.99)
	return s
}

// SummarizeAll summarizes each of policies in turn, in the order given. With
// policies nil it summarizes every policy in tasks, in the order of
// Policies(tasks).
func SummarizeAll(tasks []Task, policies []string) []PolicySummary {
	if policies == nil {
		policies = Policies(tasks)
	}
	out := make([]PolicySummary, len(policies))
	for i, p := range policies {
		out[i] = Summarize(p, tasks)
	}
	return out
}

// Policies returns the distinct policy names in tasks in the order of their
// first appearance — the experiment's order when tasks come from a run or
// from its tasks.csv.
func Policies(tasks []Task) []string {
	var names []string
	seen := map[string]bool{}
	for i := range tasks {
		if p := tasks[i].Policy; !seen[p] {
			seen[p] = true
			names = append(names, p)
		}
	}
	return names
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1) of sorted, which must be in
// increasing order, by linear interpolation between order statistics as
// Summarize documents. It returns 0 for an empty slice. It panics if p is
// outside [0, 1] or NaN, a programming error.
func Quantile(sorted []float64, p float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("results: quantile p outside [0, 1]")
	}
	n := len(sorted)
	if n == 0 {
		return 0
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	if h == lo {
		return sorted[i] // exact order statistic; also avoids Inf-Inf
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// WriteSummaryJSON writes s as indented JSON (two spaces) ending in a
// newline. Output is deterministic: fields in struct order, map keys sorted.
// HTML characters are not escaped. A NaN or infinite number is an error,
// since JSON cannot hold it.
func WriteSummaryJSON(w io.Writer, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s) // Encode ends the value with a newline.
}
