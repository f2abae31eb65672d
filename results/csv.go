package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// taskColumns is the header of tasks.csv, in column order. Times are in
// seconds, energy in joules.
var taskColumns = [...]string{
	"id", "policy", "device", "kind", "model",
	"arrival_s", "start_s", "finish_s", "place", "status",
	"latency_s", "energy_j", "deadline_s", "deadline_met",
	"ttft_s", "tpot_s", "ttft_met", "tpot_met",
	"forwarded", "handovers", "point", "turn", "slowdown",
}

// formatFloat is the one float format of tasks.csv: the shortest decimal
// that parses back to the same float64, so output is byte-identical for
// identical input and reading it back loses nothing.
func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// WriteTasksCSV writes tasks as tidy CSV: a header row, then one row per
// task in the order given. Floats use the shortest representation that
// round-trips (strconv 'g', precision -1), booleans are true/false, and
// fields that need it are quoted as RFC 4180 says. Identical input gives
// byte-identical output.
func WriteTasksCSV(w io.Writer, tasks []Task) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(taskColumns[:]); err != nil {
		return err
	}
	row := make([]string, len(taskColumns))
	for i := range tasks {
		t := &tasks[i]
		row[0] = strconv.FormatInt(t.ID, 10)
		row[1] = t.Policy
		row[2] = strconv.Itoa(t.Device)
		row[3] = t.Kind
		row[4] = t.Model
		row[5] = formatFloat(t.Arrival)
		row[6] = formatFloat(t.Start)
		row[7] = formatFloat(t.Finish)
		row[8] = t.Place
		row[9] = t.Status
		row[10] = formatFloat(t.Latency)
		row[11] = formatFloat(t.Energy)
		row[12] = formatFloat(t.Deadline)
		row[13] = strconv.FormatBool(t.Met)
		row[14] = formatFloat(t.TTFT)
		row[15] = formatFloat(t.TPOT)
		row[16] = strconv.FormatBool(t.TTFTMet)
		row[17] = strconv.FormatBool(t.TPOTMet)
		row[18] = strconv.FormatBool(t.Forwarded)
		row[19] = strconv.Itoa(t.Handovers)
		row[20] = t.Point
		row[21] = strconv.Itoa(t.Turn)
		row[22] = formatFloat(t.Slowdown)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadTasksCSV reads what WriteTasksCSV writes. The header must name the
// columns of tasks.csv in their order. An error on bad input names the line
// and the column, such as
//
//	tasks csv line 7, column latency_s: "1.2.3" is not a number
//
// and the caller adds the file name. Any float strconv.ParseFloat accepts is
// read, NaN and ±Inf included, so the read is the exact inverse of the write.
// An empty input, with no header, is an error; a header alone gives no tasks
// and no error.
func ReadTasksCSV(r io.Reader) ([]Task, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(taskColumns)
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("tasks csv: empty input, want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("tasks csv: %w", err)
	}
	for i, name := range taskColumns {
		if header[i] != name {
			line, _ := cr.FieldPos(i)
			return nil, fmt.Errorf("tasks csv line %d, column %d: header %q, want %q", line, i+1, header[i], name)
		}
	}

	var tasks []Task
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return tasks, nil
		}
		if err != nil {
			// csv.ParseError already names the line and column.
			return nil, fmt.Errorf("tasks csv: %w", err)
		}
		var t Task
		p := fieldParser{cr: cr, rec: rec}
		t.ID = p.int64(0)
		t.Policy = rec[1]
		t.Device = p.int(2)
		t.Kind = rec[3]
		t.Model = rec[4]
		t.Arrival = p.float(5)
		t.Start = p.float(6)
		t.Finish = p.float(7)
		t.Place = rec[8]
		t.Status = rec[9]
		t.Latency = p.float(10)
		t.Energy = p.float(11)
		t.Deadline = p.float(12)
		t.Met = p.bool(13)
		t.TTFT = p.float(14)
		t.TPOT = p.float(15)
		t.TTFTMet = p.bool(16)
		t.TPOTMet = p.bool(17)
		t.Forwarded = p.bool(18)
		t.Handovers = p.int(19)
		t.Point = rec[20]
		t.Turn = p.int(21)
		t.Slowdown = p.float(22)
		if p.err != nil {
			return nil, p.err
		}
		tasks = append(tasks, t)
	}
}

// fieldParser converts the fields of one record, keeping the first error
// with the line and column name where it happened.
type fieldParser struct {
	cr  *csv.Reader
	rec []string
	err error
}

func (p *fieldParser) fail(i int, what string) {
	if p.err != nil {
		return
	}
	line, _ := p.cr.FieldPos(i)
	p.err = fmt.Errorf("tasks csv line %d, column %s: %q is not %s", line, taskColumns[i], p.rec[i], what)
}

func (p *fieldParser) int64(i int) int64 {
	v, err := strconv.ParseInt(p.rec[i], 10, 64)
	if err != nil {
		p.fail(i, "an integer")
	}
	return v
}

func (p *fieldParser) int(i int) int {
	v, err := strconv.ParseInt(p.rec[i], 10, strconv.IntSize)
	if err != nil {
		p.fail(i, "an integer")
	}
	return int(v)
}

func (p *fieldParser) float(i int) float64 {
	v, err := strconv.ParseFloat(p.rec[i], 64)
	if err != nil {
		p.fail(i, "a number")
	}
	return v
}

func (p *fieldParser) bool(i int) bool {
	v, err := strconv.ParseBool(p.rec[i])
	if err != nil {
		p.fail(i, "true or false")
	}
	return v
}
