package mecsim

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mecsim/mecsim"

// allowed lists, for each package of the module, the packages of the
// module it may import: the design's table (DESIGN.md, Architecture), where
// imports point down only. cmd/mecsim may also name results' types, and
// calls devices for "mecsim calibrate".
var allowed = map[string][]string{
	"":                    nil,
	"sim":                 nil,
	"results":             nil,
	"workloads":           {"sim"},
	"devices":             {"workloads", "sim"},
	"topology":            {"sim"},
	"d2d":                 {"topology", "sim"},
	"policies":            {"workloads", "sim"},
	"policies/policytest": {"policies"},
	"refenv":              {"sim"},
	"rl":                  {"policies", "results", "sim"},
	"mec":                 {"workloads", "devices", "topology", "d2d", "policies", "results", "sim"},
	"experiments":         {"sim", "workloads", "devices", "topology", "d2d", "policies", "refenv", "rl", "results", "mec"},
	"plots":               {"results"},
	"experiments/figures": {"experiments", "plots", "results"},
	"cmd/mecsim":          {"experiments", "experiments/figures", "plots", "results", "devices", "rl"},
	"capi":                {"experiments", "rl"},
}

// thirdParty lists the outside modules each package may use; results and
// sim stay close to the standard library.
var thirdParty = map[string][]string{
	"sim":                 {"gonum.org/v1/gonum"},
	"workloads":           {"gonum.org/v1/gonum"},
	"devices":             {"gonum.org/v1/gonum", "github.com/BurntSushi/toml"},
	"topology":            {"gonum.org/v1/gonum"},
	"d2d":                 {"gonum.org/v1/gonum"},
	"policies":            {"gonum.org/v1/gonum"},
	"policies/policytest": nil,
	"refenv":              {"gonum.org/v1/gonum"},
	"rl":                  {"gonum.org/v1/gonum", "gonum.org/v1/netlib", "gorgonia.org"},
	"mec":                 {"gonum.org/v1/gonum"},
	"experiments":         {"gonum.org/v1/gonum", "github.com/BurntSushi/toml"},
	"plots":               {"gonum.org/v1/gonum", "gonum.org/v1/plot"},
	"experiments/figures": {"gonum.org/v1/plot"},
	"cmd/mecsim":          {"golang.org/x/term", "github.com/schollz/progressbar/v3"},
	"capi":                nil,
}

// TestImportGraph parses every non-test Go file of the module and fails on
// an import the design does not allow, and on a package the table does not
// know (a new package must be placed in the picture deliberately).
func TestImportGraph(t *testing.T) {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "results") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		if pkg == "." {
			pkg = ""
		}
		okInternal, known := allowed[pkg]
		if !known {
			t.Errorf("%s: package %q is not in the import table; add it to allowed in imports_test.go", p, pkg)
			return nil
		}
		seen[pkg] = true
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			switch {
			case imp == module || strings.HasPrefix(imp, module+"/"):
				target := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
				if !slices.Contains(okInternal, target) {
					t.Errorf("%s: %s imports %s; allowed: %v", p, pkgName(pkg), target, okInternal)
				}
			case isStd(imp):
			default:
				if !slices.ContainsFunc(thirdParty[pkg], func(m string) bool { return imp == m || strings.HasPrefix(imp, m+"/") }) {
					t.Errorf("%s: %s imports outside module %s; allowed: %v", p, pkgName(pkg), imp, thirdParty[pkg])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"sim", "mec", "experiments", "cmd/mecsim"} {
		if !seen[must] {
			t.Errorf("package %s not found: is the test running at the module root?", must)
		}
	}
}

func pkgName(p string) string {
	if p == "" {
		return "module root"
	}
	return p
}

// isStd reports whether an import path is in the standard library: its
// first element has no dot.
func isStd(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".") && path.Clean(imp) == imp
}
