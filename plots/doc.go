// Package plots draws mecsim's figures with gonum/plot from results records,
// whether fresh from a run or read back from a saved tasks.csv, so that any
// figure can be redrawn without re-simulating.
package plots
