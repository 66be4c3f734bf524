package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// Every path the descriptor names must stay inside the deployed directory, and the MTA ID must be
// usable as a file name. Each case builds a fresh tree: <tmp>/outside/... next to <tmp>/dir/.

type rulesCase struct {
	name  string
	yaml  string                         // mtad.yaml; OUT is replaced by <tmp>/outside
	setup func(t *testing.T, dir string) // extra files and links
	want  string                         // the error, with OUT replaced by <tmp>/outside
}

const moduleAt = "ID: m\nmodules:\n  - name: web\n    path: web\n  - name: api\n    path: %s\n"

func module2(p string) string { return strings.Replace(moduleAt, "%s", p, 1) }

func TestPathsMustStayInside(t *testing.T) {
	for _, tc := range []rulesCase{
		{name: "parent", yaml: module2("../secrets"),
			want: `mtad.yaml: modules[1].path: "../secrets" is outside the deployed directory`},
		{name: "parent after cleaning", yaml: module2("web/../../secrets"),
			want: `mtad.yaml: modules[1].path: "web/../../secrets" is outside the deployed directory`},
		{name: "absolute", yaml: module2("OUT/config.json"),
			want: `mtad.yaml: modules[1].path: "OUT/config.json" is an absolute path; paths are relative to the deployed directory`},
		{name: "absolute inside is still absolute", yaml: module2("DIR/web"),
			want: `mtad.yaml: modules[1].path: "DIR/web" is an absolute path; paths are relative to the deployed directory`},
		{name: "control character", yaml: module2(`"web\nx"`),
			want: `mtad.yaml: modules[1].path: "web\nx" contains a control character`},
		{name: "missing", yaml: module2("api"),
			want: `mtad.yaml: modules[1].path: "api" does not exist in the deployed directory`},
		{name: "below a file", yaml: module2("web/x/y"),
			want: `mtad.yaml: modules[1].path: "web/x/y" does not exist in the deployed directory`},
		{name: "the directory itself", yaml: module2("."),
			want: `mtad.yaml: modules[1].path: "." is the deployed directory itself; put the content in a subdirectory`},
		{name: "resource path", yaml: "ID: m\nresources:\n  - name: r\n    parameters:\n      path: ../config.json\n",
			want: `mtad.yaml: resources[0].parameters.path: "../config.json" is outside the deployed directory`},
		{name: "resource config-path", yaml: "ID: m\nresources:\n  - name: r\n    parameters:\n      config-path: OUT/config.json\n",
			want: `mtad.yaml: resources[0].parameters.config-path: "OUT/config.json" is an absolute path; paths are relative to the deployed directory`},
		{name: "resource file is a directory", yaml: "ID: m\nresources:\n  - name: r\n    parameters:\n      path: web\n",
			want: `mtad.yaml: resources[0].parameters.path: "web" is not a file`},
		{name: "requires path", yaml: "ID: m\nmodules:\n  - name: web\n    requires:\n      - name: r\n        parameters:\n          path: ../bind.json\n",
			want: `mtad.yaml: modules[0].requires[0].parameters.path: "../bind.json" is outside the deployed directory`},

		{name: "symlink out", yaml: module2("api"),
			setup: func(t *testing.T, dir string) { symlink(t, "../outside", filepath.Join(dir, "api")) },
			want:  `mtad.yaml: modules[1].path: "api" is a symlink to "../outside", outside the deployed directory`},
		{name: "absolute symlink out", yaml: module2("api"),
			setup: func(t *testing.T, dir string) { symlink(t, outside(dir), filepath.Join(dir, "api")) },
			want:  `mtad.yaml: modules[1].path: "api" is a symlink to "OUT", outside the deployed directory`},
		{name: "symlink out inside a module directory", yaml: module2("api"),
			setup: func(t *testing.T, dir string) {
				files(t, dir, map[string]string{"api/a.js": "a"})
				symlink(t, "../../../outside/config.json", filepath.Join(dir, "api", "lib", "config.json"))
			},
			want: `mtad.yaml: modules[1].path: "api/lib/config.json" is a symlink to "../../../outside/config.json", outside the deployed directory`},
		{name: "symlink out through a chain", yaml: module2("api"),
			setup: func(t *testing.T, dir string) {
				symlink(t, "hop", filepath.Join(dir, "api"))
				symlink(t, "web/../..", filepath.Join(dir, "hop"))
			},
			want: `mtad.yaml: modules[1].path: "hop" is a symlink to "web/../..", outside the deployed directory`},
		{name: "path through a symlinked directory out", yaml: module2("link/config.json"),
			setup: func(t *testing.T, dir string) { symlink(t, "..", filepath.Join(dir, "link")) },
			want:  `mtad.yaml: modules[1].path: "link" is a symlink to "..", outside the deployed directory`},
		{name: "dangling", yaml: module2("api"),
			setup: func(t *testing.T, dir string) { symlink(t, "build/api", filepath.Join(dir, "api")) },
			want:  `mtad.yaml: modules[1].path: "api" is a symlink to "build/api", which does not exist`},
		{name: "dangling inside a module directory", yaml: module2("api"),
			setup: func(t *testing.T, dir string) { symlink(t, "gone.js", filepath.Join(dir, "api", "a.js")) },
			want:  `mtad.yaml: modules[1].path: "api/a.js" is a symlink to "gone.js", which does not exist`},
		{name: "missing below a good symlink", yaml: module2("api/nope"),
			setup: func(t *testing.T, dir string) { symlink(t, "web", filepath.Join(dir, "api")) },
			want:  `mtad.yaml: modules[1].path: "api/nope" does not exist in the deployed directory`},
		{name: "symlink cycle", yaml: module2("api"),
			setup: func(t *testing.T, dir string) {
				symlink(t, "b", filepath.Join(dir, "api"))
				symlink(t, "api", filepath.Join(dir, "b"))
			},
			want: `mtad.yaml: modules[1].path: "api" goes through more than 40 symlinks (a loop?)`},
		{name: "directory loop", yaml: module2("api"),
			setup: func(t *testing.T, dir string) { symlink(t, "..", filepath.Join(dir, "api", "sub", "up")) },
			want:  `mtad.yaml: modules[1].path: "api/sub/up" is a symlink to "..", a directory it is in (a loop)`},
		{name: "directories linking to each other", yaml: module2("api"),
			setup: func(t *testing.T, dir string) {
				symlink(t, "../b", filepath.Join(dir, "api", "to-b"))
				symlink(t, "../api", filepath.Join(dir, "b", "to-api"))
			},
			want: `mtad.yaml: modules[1].path: "b/to-api" is a symlink to "../api", a directory it is in (a loop)`},
		{name: "named pipe", yaml: module2("api"),
			setup: func(t *testing.T, dir string) {
				files(t, dir, map[string]string{"api/a.js": "a"})
				if err := syscall.Mkfifo(filepath.Join(dir, "api", "pipe"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: `mtad.yaml: modules[1].path: "api/pipe" is not a regular file, a directory or a symlink`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "dir")
			out := filepath.Join(base, "outside")
			files(t, base, map[string]string{"outside/config.json": `{"token":"secret"}`, "secrets": "s"})
			files(t, dir, map[string]string{"mtad.yaml": strings.NewReplacer("OUT", out, "DIR", dir).Replace(tc.yaml), "web/x": "x"})
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			before := listing(t, base)
			_, err := Build(dir, nil, nil)
			want := strings.NewReplacer("OUT", out, "DIR", dir).Replace(tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("not one line: %q", err)
			}
			if after := listing(t, base); !slices.Equal(before, after) {
				t.Errorf("files changed:\n%q\n%q", before, after)
			}
		})
	}
}

func outside(dir string) string { return filepath.Join(filepath.Dir(dir), "outside") }

// listing is every path under root, to show that a refused build writes nothing.
func listing(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		out = append(out, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSymlinksInsideAreFollowed(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dir")
	files(t, dir, map[string]string{
		"mtad.yaml": "ID: m\nmodules:\n  - name: web\n    path: web\n  - name: api\n    path: api.zip\n" +
			"resources:\n  - name: r\n    parameters:\n      path: conf.json\n",
		"build/web/index.html": "<h1>hi</h1>",
		"shared/lib.js":        "lib",
		"dist/api-1.0.zip":     "PK api",
		"config/r.json":        "{}",
	})
	symlink(t, "build/web", filepath.Join(dir, "web"))                                   // a module directory
	symlink(t, "../../shared", filepath.Join(dir, "build", "web", "shared"))             // a directory in it
	symlink(t, "../../shared/lib.js", filepath.Join(dir, "build", "web", "lib.js"))      // a file in it
	symlink(t, filepath.Join(dir, "dist", "api-1.0.zip"), filepath.Join(dir, "api.zip")) // absolute, inside
	symlink(t, "config/r.json", filepath.Join(dir, "conf.json"))
	symlink(t, "dir", filepath.Join(base, "current")) // the deployed directory itself through a link

	res, err := Build(filepath.Join(base, "current"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != filepath.Join(base, "current", "m.mtar") {
		t.Errorf("path %s", res.Path)
	}
	names, content := readZip(t, res.Path)
	want := []string{"META-INF/MANIFEST.MF", "META-INF/mtad.yaml", "build/web/", "build/web/index.html",
		"build/web/lib.js", "build/web/shared/", "build/web/shared/lib.js", "config/r.json", "dist/api-1.0.zip"}
	if !slices.Equal(names, want) {
		t.Fatalf("entries %q, want %q", names, want)
	}
	if content["build/web/shared/lib.js"] != "lib" || content["build/web/lib.js"] != "lib" || content["dist/api-1.0.zip"] != "PK api" {
		t.Error("followed content differs")
	}
	for _, section := range []string{"Name: build/web/\r\nContent-Type: text/directory\r\nMTA-Module: web\r\n",
		"Name: dist/api-1.0.zip\r\nContent-Type: application/zip\r\nMTA-Module: api\r\n",
		"Name: config/r.json\r\nContent-Type: application/json\r\nMTA-Resource: r\r\n"} {
		if !strings.Contains(content["META-INF/MANIFEST.MF"], section) {
			t.Errorf("manifest lacks %q:\n%s", section, content["META-INF/MANIFEST.MF"])
		}
	}
}

func TestMtaIDMustBeAFileName(t *testing.T) {
	for _, id := range []string{`"../evil"`, `"a/b"`, `'a\b'`, `".."`, `".hidden"`, `"a\tb"`, `"a\0b"`, `"a b"`, `"é"`,
		strings.Repeat("x", 129)} {
		t.Run(id, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "d", "dir")
			files(t, dir, map[string]string{"mtad.yaml": "ID: " + id + "\nmodules:\n  - name: web\n    path: web\n", "web/x": "x"})
			before := listing(t, base)
			_, err := Build(dir, nil, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "mtad.yaml: ID: ") ||
				!strings.Contains(err.Error(), "cannot name the archive file <ID>.mtar") || strings.ContainsAny(err.Error(), "\r\n\t\x00") {
				t.Fatalf("%q", err)
			}
			if after := listing(t, base); !slices.Equal(before, after) {
				t.Errorf("files changed:\n%q\n%q", before, after)
			}
		})
	}
	// Valid IDs name <dir>/<ID>.mtar as the official plugin does.
	for _, id := range []string{"bg.sample", "a..b", "My_MTA-1.0", strings.Repeat("x", 128)} {
		dir := t.TempDir()
		files(t, dir, map[string]string{"mtad.yaml": "ID: " + id + "\n"})
		res, err := Build(dir, nil, nil)
		if err != nil || res.Path != filepath.Join(dir, id+".mtar") {
			t.Errorf("%s: %+v %v", id, res, err)
		}
	}
}

func TestNeverWritesThroughALinkAtTheArchivePath(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dir")
	files(t, base, map[string]string{"bashrc": "keep me"})
	files(t, dir, map[string]string{"mtad.yaml": "ID: m\n"})
	symlink(t, "../bashrc", filepath.Join(dir, "m.mtar"))
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(base, "bashrc")); string(b) != "keep me" {
		t.Errorf("wrote through the link: %q", b)
	}
	if info, err := os.Lstat(res.Path); err != nil || !info.Mode().IsRegular() {
		t.Errorf("%v %v", info, err)
	}
}

func TestFailedBuildLeavesTheEarlierArchive(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{"mtad.yaml": "ID: m\nmodules:\n  - name: web\n    path: web\n", "web/x": "x"})
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	earlier, _ := os.ReadFile(res.Path)
	before := listing(t, dir)
	symlink(t, "/etc/passwd", filepath.Join(dir, "web", "y"))
	if _, err := Build(dir, nil, nil); err == nil {
		t.Fatal("built with a link out")
	}
	if now, _ := os.ReadFile(res.Path); string(now) != string(earlier) {
		t.Error("the earlier archive changed")
	}
	// A write that fails at the end (the output is a directory) leaves no temporary file behind.
	out := filepath.Join(dir, "taken")
	files(t, out, map[string]string{"keep": "k"})
	if _, err := BuildTo(dir, out, []string{}, []string{}); err == nil || !strings.HasPrefix(err.Error(), "mtad.yaml: modules[0].path") {
		t.Fatalf("%v", err)
	}
	os.Remove(filepath.Join(dir, "web", "y"))
	if _, err := BuildTo(dir, out, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "Could not build the MTA archive "+out) {
		t.Fatalf("%v", err)
	}
	after := listing(t, dir)
	if want := append(slices.Clone(before), filepath.Join(dir, "taken"), filepath.Join(dir, "taken", "keep")); !sameSet(after, want) {
		t.Errorf("left behind:\n%q\nwant\n%q", after, want)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestDescriptorItselfMustBeInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dir")
	files(t, base, map[string]string{"elsewhere/mtad.yaml": "ID: m\n"})
	symlink(t, "../elsewhere/mtad.yaml", filepath.Join(dir, "mtad.yaml"))
	_, err := Build(dir, nil, nil)
	if err == nil || err.Error() != `mtad.yaml: "mtad.yaml" is a symlink to "../elsewhere/mtad.yaml", outside the deployed directory` {
		t.Fatalf("%v", err)
	}
	os.Remove(filepath.Join(dir, "mtad.yaml"))
	if err := syscall.Mkfifo(filepath.Join(dir, "mtad.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir, nil, nil); err == nil || err.Error() != "mtad.yaml: is not a regular file" {
		t.Fatalf("%v", err)
	}
	// A link to a descriptor inside the directory is followed.
	os.Remove(filepath.Join(dir, "mtad.yaml"))
	files(t, dir, map[string]string{"descriptors/prod.yaml": "ID: linked\n"})
	symlink(t, "descriptors/prod.yaml", filepath.Join(dir, "mtad.yaml"))
	if res, err := Build(dir, nil, nil); err != nil || res.MtaID != "linked" {
		t.Fatalf("%+v %v", res, err)
	}
}
