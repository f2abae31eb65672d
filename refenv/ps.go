package refenv

import "slices"

// psJob is a task as an egalitarian processor-sharing server sees it: it
// joins at time at (s from now) with work bits to serve.
type psJob struct {
	at, work float64
}

// sumCompletion returns the sum of the completion times, measured from
// now, of jobs (sorted by at, ascending) on a processor-sharing server of
// speed mu bits/s: while k jobs are present each is served at mu/k.
//
// It runs in virtual time: v is the service every present job has received
// since now, so a job joining at v0 with work w leaves when v reaches
// v0 + w, and the present jobs leave in order of those levels. levels is
// scratch space, returned for reuse.
func sumCompletion(mu float64, jobs []psJob, levels []float64) (float64, []float64) {
	levels = levels[:0] // virtual leaving levels, descending: the next to leave is last
	t, v, sum := 0.0, 0.0, 0.0
	i := 0
	for i < len(jobs) || len(levels) > 0 {
		if len(levels) == 0 && jobs[i].at > t {
			t = jobs[i].at // idle until the next arrival
		}
		for i < len(jobs) && jobs[i].at <= t {
			levels = insertDesc(levels, v+jobs[i].work)
			i++
		}
		n := len(levels)
		k := float64(n)
		tLeave := t + max(levels[n-1]-v, 0)*k/mu
		if i < len(jobs) && jobs[i].at < tLeave {
			v += (jobs[i].at - t) * mu / k
			t = jobs[i].at
			continue
		}
		t, v = tLeave, levels[n-1]
		levels = levels[:n-1]
		sum += t
	}
	return sum, levels
}

// insertDesc inserts x into s, kept in descending order, after any equal
// values.
func insertDesc(s []float64, x float64) []float64 {
	i := len(s)
	for i > 0 && s[i-1] < x {
		i--
	}
	return slices.Insert(s, i, x)
}

// referenceDelayIncrease reproduces the reference code's delay estimate for
// a new task of size bits that finishes uploading after upload seconds, on a
// processor-sharing server of speed mu bits/s whose executing tasks have
// remaining work rem (ascending, bits); tasks still uploading are not
// passed, as the reference ignores them. scratch is returned for reuse.
//
// The estimate is t1 − t2, where t2 is the sum of the executing tasks'
// completion times without the new task and t1 the sum with it, the new
// task's counted from its arrival. In computing t1 the reference walks the
// processor-sharing phases until the new task arrives; in the phase it
// arrives in, it takes off the work done in that phase from that phase's
// task only, and not the work of earlier phases, nor any work from the
// longer tasks, which keep their full remaining work. If every executing
// task finishes before the new one arrives, all of them are counted again
// in full after its arrival.
func referenceDelayIncrease(mu float64, rem []float64, upload, size float64, scratch []float64) (float64, []float64) {
	const zeroRes = 1e-6 // bits; the reference's threshold for a finished task
	n := len(rem)
	t2, last := 0.0, 0.0
	for i, r := range rem {
		k := float64(n - i)
		t2 += k * k * (r - last) / mu
		last = r
	}

	q := append(scratch[:0], rem...)
	t1, elapsed := 0.0, 0.0
	last = 0
	for i, r := range rem {
		k := float64(n - i)
		speed := mu / k
		use := (r - last) / speed
		if elapsed+use >= upload {
			cut := upload - elapsed
			t1 += k * cut
			cutRem := r - cut*speed
			if cutRem < zeroRes {
				cutRem = 0
			}
			q = append(q[:0], cutRem)
			q = append(q, rem[i+1:]...)
			break
		}
		t1 += k * use
		elapsed += use
		last = r
	}
	q = append(q, size)
	slices.Sort(q)
	m := len(q)
	last = 0
	for j, r := range q {
		k := float64(m - j)
		t1 += k * k * (r - last) / mu
		last = r
	}
	return t1 - t2, q
}
