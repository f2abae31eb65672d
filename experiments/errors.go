package experiments

import (
	"errors"
	"strconv"
	"strings"
)

// InputError is one problem with an experiment file: a syntax error, an
// unknown key, a value of the wrong type or out of range, or a file that
// cannot be read. The command line exits with status 2 on any of them.
type InputError struct {
	File string // the file name as given to Load or Parse; empty from Validate
	Line int    // 1-based line of the key, or of its table; 0 when unknown or absent
	Key  string // dotted key path such as "workload[0].rate"; empty for syntax and read errors
	Msg  string // what is wrong, and what would be accepted
	Err  error  // the underlying cause, if any (an *fs.PathError for an unreadable file)
}

// Error formats the problem as "file:line: key: message", leaving out the
// parts that are unknown.
func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, so that errors.Is(err,
// fs.ErrNotExist) works for a missing file.
func (e *InputError) Unwrap() error { return e.Err }

// InputErrors is every problem found in one experiment file, in the order
// of the lines they refer to (problems with keys absent from the file come
// last). Load, Parse and Validate return their input errors as an
// InputErrors, never an empty one.
type InputErrors []*InputError

// Error prints one problem per line.
func (es InputErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (es InputErrors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// IsInputError reports whether err, or any error it wraps, is bad input:
// an *InputError or an InputErrors.
func IsInputError(err error) bool {
	var one *InputError
	var many InputErrors
	return errors.As(err, &one) || errors.As(err, &many)
}
