package main

import (
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// moduleRoot returns the directory holding go.mod, above the test's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// packageDocs maps each package under root ("dir (package name)") to the
// non-test files of it that carry a package doc comment. Folders named
// testdata or vendor, or starting with "." or "_", are skipped, as the go
// command does, and so are files excluded by "//go:build ignore".
func packageDocs(root string) (map[string][]string, error) {
	docs := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		for _, g := range f.Comments {
			if g.Pos() >= f.Package {
				break
			}
			for _, c := range g.List {
				if x, err := constraint.Parse(c.Text); err == nil && x.String() == "ignore" {
					return nil // run with go run, not part of the package
				}
			}
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel) + " (package " + f.Name.Name + ")"
		if _, ok := docs[pkg]; !ok {
			docs[pkg] = nil
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			docs[pkg] = append(docs[pkg], name)
		}
		return nil
	})
	return docs, err
}

// TestPackageDocs checks that every package of the module has exactly one
// package doc comment saying what it is for (style item 13): none leaves
// readers guessing, two make go doc show one of them at random.
func TestPackageDocs(t *testing.T) {
	root := moduleRoot(t)
	docs, err := packageDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 2 {
		t.Fatalf("found %d packages under %s, want the whole module", len(docs), root)
	}
	pkgs := make([]string, 0, len(docs))
	for pkg := range docs {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		switch files := docs[pkg]; len(files) {
		case 1:
		case 0:
			t.Errorf("%s: no package doc comment; add one (\"// Package x ...\") saying what it is for and what it must never do", pkg)
		default:
			t.Errorf("%s: package doc comments in %d files (%s); keep exactly one", pkg, len(files), strings.Join(files, ", "))
		}
	}
}

// TestPackageDocsFinds checks packageDocs itself on a small tree.
func TestPackageDocsFinds(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                   "module example.com/m\n",
		"nodoc/a.go":               "package nodoc\n",
		"nodoc/b.go":               "// A comment that is not the package's.\n\npackage nodoc\n",
		"nodoc/b_test.go":          "// Package nodoc in a test file does not count.\npackage nodoc\n",
		"two/a.go":                 "// Package two is documented here.\npackage two\n",
		"two/b.go":                 "// Package two is documented here too.\npackage two\n",
		"one/a.go":                 "/*\nPackage one is documented once.\n*/\npackage one\n",
		"one/b.go":                 "package one\n",
		"one/gen.go":               "//go:build ignore\n\n// Gen is run with go run.\npackage main\n",
		"one/testdata/x.go":        "package x\n",
		"one/.hidden/x.go":         "package x\n",
		"one/_skipped/x.go":        "package x\n",
		"cmd/tool/main.go":         "// Command tool does things.\npackage main\n",
		"cmd/tool/doc_example.txt": "not go\n",
	}
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := packageDocs(root)
	if err != nil {
		t.Fatalf("packageDocs: %v", err)
	}
	want := map[string][]string{
		"nodoc (package nodoc)":   nil,
		"two (package two)":       {"a.go", "b.go"},
		"one (package one)":       {"a.go"},
		"cmd/tool (package main)": {"main.go"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packageDocs differs (-want +got):\n%s", diff)
	}
}
