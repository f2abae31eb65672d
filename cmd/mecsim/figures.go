package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/experiments/figures"
)

func cmdFigures(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("figures", "figures [-o DIR] [--quick] [--only NAMES] [--from DIR] [--training DIR]\n\n"+
		"Runs the figure suite (one experiment file per figure, experiments/figures) and writes\n"+
		"each figure as NAME.png, NAME.svg and NAME.csv (its plotted data) into DIR.", stderr)
	out := fs.String("o", filepath.Join("runs", "figures"), "output folder, replaced whole when every figure is written")
	quick := fs.Bool("quick", false, "run each figure at the small size of its [figure.quick] table")
	only := fs.String("only", "", "comma-separated names of the figures to make (default all)")
	from := fs.String("from", "", "read the figure files from this folder instead of the built-in copies of experiments/figures")
	training := fs.String("training", "", "draw the learning figure from this training folder's curve.csv instead of training")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mecsim figures: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	var files []figures.File
	var err error
	if *from != "" {
		files, err = figures.ReadDir(*from)
	} else {
		files, err = figures.Suite()
	}
	if err != nil {
		return err
	}
	if *only != "" {
		if files, err = figures.Select(files, strings.Split(*only, ",")); err != nil {
			fmt.Fprintf(stderr, "mecsim figures: %v\n", err)
			return errUsage
		}
	}
	env, err := experiments.DefaultEnv()
	if err != nil {
		return err
	}
	opt := figures.Options{Quick: *quick, Training: *training}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Progress = func(name string) { fmt.Fprintf(stderr, "figure %s…\n", name) }
	}
	start := time.Now()
	res, err := figures.Write(env, files, *out, opt)
	if err != nil {
		return err
	}
	for _, r := range res {
		fmt.Fprintf(stdout, "%-12s %-12s %7.1fs  %s\n", r.Name, r.Kind, r.Wall.Seconds(), strings.Join(r.Files, " "))
	}
	fmt.Fprintf(stdout, "%d figures in %s (%.1fs)\n", len(res), *out, time.Since(start).Seconds())
	return nil
}
