package archive

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// files writes path -> content under dir.
func files(t *testing.T, dir string, contents map[string]string) {
	t.Helper()
	for name, content := range contents {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func readZip(t *testing.T, path string) (names []string, content map[string]string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	content = map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		content[f.Name] = string(b)
	}
	return names, content
}

const fullDescriptor = `_schema-version: "3"
ID: hello
version: 1.0.0
modules:
  - name: backend
    type: javascript.nodejs
    path: ./srv/
    requires:
      - name: db
        parameters:
          path: bind.json
      - name: api
        parameters:
          path: /api # a route path, not a file
  - name: web
    type: staticfile
    path: web.zip
  - name: docker
    type: application
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      path: db.json
  - name: config
    type: org.cloudfoundry.user-provided-service
    parameters:
      config-path: cfg/ups.json
`

func fullTree(t *testing.T) string {
	dir := t.TempDir()
	files(t, dir, map[string]string{
		"mtad.yaml":      fullDescriptor,
		"srv/server.js":  "console.log('hi')",
		"srv/lib/x.js":   "module.exports = {}",
		"web.zip":        "PK zip",
		"db.json":        `{"plan":"small"}`,
		"bind.json":      `{}`,
		"cfg/ups.json":   `{"a":1}`,
		"not-in-mta.txt": "left out",
	})
	return dir
}

func TestBuildPacksModulesResourcesAndRequires(t *testing.T) {
	dir := fullTree(t)
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != filepath.Join(dir, "hello.mtar") || res.MtaID != "hello" || res.Version != "1.0.0" {
		t.Fatalf("%+v", res)
	}
	if !slices.Equal(res.Warnings, []string{"Modules docker do not have a path, specified for their binaries and will be ignored"}) {
		t.Fatalf("warnings %q", res.Warnings)
	}
	names, content := readZip(t, res.Path)
	want := []string{"META-INF/MANIFEST.MF", "META-INF/mtad.yaml", "bind.json", "cfg/ups.json", "db.json",
		"srv/", "srv/lib/", "srv/lib/x.js", "srv/server.js", "web.zip"}
	if !slices.Equal(names, want) {
		t.Fatalf("entries %q, want %q", names, want)
	}
	wantManifest := "Manifest-Version: 1.0\r\nCreated-By: cf bg-deploy\r\n\r\n" +
		"Name: bind.json\r\nContent-Type: application/json\r\nMTA-Requires: backend/db\r\n\r\n" +
		"Name: cfg/ups.json\r\nContent-Type: application/json\r\nMTA-Resource: config\r\n\r\n" +
		"Name: db.json\r\nContent-Type: application/json\r\nMTA-Resource: db\r\n\r\n" +
		"Name: srv/\r\nContent-Type: text/directory\r\nMTA-Module: backend\r\n\r\n" +
		"Name: web.zip\r\nContent-Type: application/zip\r\nMTA-Module: web\r\n\r\n"
	if content["META-INF/MANIFEST.MF"] != wantManifest {
		t.Errorf("manifest:\n%s\nwant:\n%s", content["META-INF/MANIFEST.MF"], wantManifest)
	}
	if content["META-INF/mtad.yaml"] != fullDescriptor || content["srv/lib/x.js"] != "module.exports = {}" {
		t.Error("content not copied as is")
	}
	// Rebuilding unchanged content gives the same bytes (same digest: no new upload), and the
	// previous archive in the directory is not packed into the new one.
	first, _ := os.ReadFile(res.Path)
	if _, err := Build(dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(res.Path)
	if !bytes.Equal(first, second) {
		t.Error("rebuild is not byte-identical")
	}
}

func TestBuildKeepsFileModes(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{"mtad.yaml": "ID: m\nmodules:\n  - name: a\n    path: bin\n", "bin/start": "#!/bin/sh"})
	if err := os.Chmod(filepath.Join(dir, "bin", "start"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "bin/start" && f.Mode().Perm() != 0o755 {
			t.Errorf("mode %v", f.Mode())
		}
	}
}

func TestBuildFromMetaInfDescriptor(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{
		"META-INF/mtad.yaml":   "ID: unpacked\nversion: 2.0.0\nmodules:\n  - name: web\n    path: web/\n",
		"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n\r\nName: stale\r\nMTA-Module: old\r\n",
		"web/index.html":       "hi",
	})
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, content := readZip(t, res.Path)
	if !strings.Contains(content["META-INF/MANIFEST.MF"], "Name: web/\r\nContent-Type: text/directory\r\nMTA-Module: web\r\n") ||
		strings.Contains(content["META-INF/MANIFEST.MF"], "stale") {
		t.Errorf("manifest:\n%s", content["META-INF/MANIFEST.MF"])
	}
	files(t, dir, map[string]string{"META-INF/mtad.yaml": "ID: unpacked\nmodules:\n  - name: web\n    path: ../web\n"})
	_, err = Build(dir, nil, nil)
	if err == nil || err.Error() != `META-INF/mtad.yaml: modules[0].path: "../web" is outside the deployed directory` {
		t.Fatalf("%v", err)
	}
	// mtad.yaml at the top wins, as it is tried first.
	files(t, dir, map[string]string{"mtad.yaml": "ID: top\n"})
	if res, err = Build(dir, nil, nil); err != nil || res.MtaID != "top" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestSharedContentIsOneEntry(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{
		"mtad.yaml": `ID: shared
modules:
  - name: a
    path: app
  - name: b
    path: ./app/
  - name: c
    path: conf.json
resources:
  - name: r
    parameters: {path: conf.json}
`,
		"app/x": "x", "conf.json": "{}",
	})
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, content := readZip(t, res.Path)
	mf := content["META-INF/MANIFEST.MF"]
	for _, want := range []string{
		"Name: app/\r\nContent-Type: text/directory\r\nMTA-Module: a, b\r\n\r\n",
		// The engine reads a resource's JSON only from a section typed application/json.
		"Name: conf.json\r\nContent-Type: application/json\r\nMTA-Module: c\r\nMTA-Resource: r\r\n\r\n",
	} {
		if !strings.Contains(mf, want) {
			t.Errorf("manifest lacks %q:\n%s", want, mf)
		}
	}
}

func TestManifestHeadersWrapAt72BytesOnCharacterBoundaries(t *testing.T) {
	var b bytes.Buffer
	value := strings.Repeat("a", 60) + strings.Repeat("ü", 40) // "ü" is two bytes
	header(&b, "Name", value)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	if len(lines) < 3 {
		t.Fatalf("not wrapped: %q", lines)
	}
	joined := ""
	for i, line := range lines {
		if len(line) > 72 || !utf8.ValidString(line) {
			t.Errorf("line %d: %d bytes, valid UTF-8 %v: %q", i, len(line), utf8.ValidString(line), line)
		}
		if i > 0 {
			if line[0] != ' ' {
				t.Errorf("continuation line %d does not start with a space", i)
			}
			line = line[1:]
		}
		joined += line
	}
	if joined != "Name: "+value {
		t.Errorf("joined %q", joined)
	}
	b.Reset()
	header(&b, "Name", strings.Repeat("b", 66)) // exactly 72 bytes: one line
	if b.String() != "Name: "+strings.Repeat("b", 66)+"\r\n" {
		t.Errorf("%q", b.String())
	}
}

func TestBuildSelection(t *testing.T) {
	dir := fullTree(t)
	_, err := Build(dir, []string{"web"}, []string{"none"})
	if err == nil || err.Error() != "Resources none are specified for deployment but are not part of deployment descriptor resources" {
		t.Fatalf("%v", err)
	}
	_, err = Build(dir, []string{"ghost", "web"}, nil)
	if err == nil || err.Error() != "Modules ghost are specified for deployment but are not part of deployment descriptor modules" {
		t.Fatalf("%v", err)
	}
	res, err := Build(dir, []string{"web"}, []string{"db"})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := readZip(t, res.Path)
	if want := []string{"META-INF/MANIFEST.MF", "META-INF/mtad.yaml", "db.json", "web.zip"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
}

func TestBuildNoDescriptor(t *testing.T) {
	dir := t.TempDir()
	_, err := Build(dir, nil, nil)
	if err == nil || err.Error() != "No deployment descriptor with name mtad.yaml was found in location "+dir {
		t.Fatalf("%v", err)
	}
}

func TestBuildToWritesWhereToldAndSkipsItsOwnOutput(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{"mtad.yaml": "ID: m\nmodules:\n  - name: a\n    path: app\n", "app/x": "x"})
	out := filepath.Join(dir, "app", "out.mtar")
	for range 2 { // the second build finds the first one inside the module's directory
		res, err := BuildTo(dir, out, nil, nil)
		if err != nil || res.Path != out {
			t.Fatalf("%+v %v", res, err)
		}
	}
	names, _ := readZip(t, out)
	if want := []string{"META-INF/MANIFEST.MF", "META-INF/mtad.yaml", "app/", "app/x"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.mtar")); !os.IsNotExist(err) {
		t.Errorf("BuildTo wrote <dir>/<ID>.mtar too: %v", err)
	}
}

func TestDescriptorYAML(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"ID: a\nmodules: web\n", "mtad.yaml: modules: must be a list, not a string"},
		{"ID: a\nmodules:\n  - web\n", "mtad.yaml: modules[0]: must be a map, not a string"},
		{"ID: a\nmodules:\n  - name: w\n    path: {a: 1}\n", "mtad.yaml: modules[0].path: must be a string, not a map"},
		{"ID: true\n", "mtad.yaml: ID: must be a string, not a boolean"},
		{"version: 1\n", "mtad.yaml: ID: is required"},
		{"- a\n", "mtad.yaml: must be a map, not a list"},
		{"", "mtad.yaml: the deployment descriptor is empty"},
		{"ID: a\nmodules: [\n", "mtad.yaml: is not valid YAML: line 2: did not find expected node content"},
		{"ID: a\nID: b\n", `mtad.yaml: ID: duplicate key "ID"`},
		{"ID: a\nmodules:\n  - name: w\n    path: w\n    path: ../x\n", `mtad.yaml: modules[0].path: duplicate key "path"`},
		{"ID: a\nmodules:\n  - name: bad name\n    path: w\n", `mtad.yaml: modules[0].name: "bad name" is not a valid name (letters, digits, "_", "-", "." and at most 128 characters)`},
		{"ID: a\nmodules:\n  - path: w\n", "mtad.yaml: modules[0].name: is required"},
		{"ID: a\nresources:\n  - name: r\n    parameters: [1]\n", "mtad.yaml: resources[0].parameters: must be a map, not a list"},
	} {
		dir := t.TempDir()
		files(t, dir, map[string]string{"mtad.yaml": tc.yaml, "w": "w"})
		if _, err := Build(dir, nil, nil); err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.yaml, err, tc.want)
		}
	}
	dir := t.TempDir()
	files(t, dir, map[string]string{"mtad.yaml": "ID: a\n#" + strings.Repeat("x", maxDescriptorBytes)})
	if _, err := Build(dir, nil, nil); err == nil || err.Error() != "mtad.yaml: file is larger than 1024 KB" {
		t.Errorf("%v", err)
	}
}

func TestDescriptorAliasesAndMergeKeys(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{
		"mtad.yaml": `ID: 1.10
base: &base
  type: staticfile
  path: ../outside
modules:
  - <<: *base
    name: a
    path: web
  - <<: *base
    name: b
`,
		"web/x": "x",
	})
	// The merged-in path of b is checked like any other, and an explicit key wins over a merged one.
	_, err := Build(dir, nil, nil)
	if err == nil || err.Error() != `mtad.yaml: modules[1].path: "../outside" is outside the deployed directory` {
		t.Fatalf("%v", err)
	}
	files(t, dir, map[string]string{"mtad.yaml": "ID: 1.10\nweb: &web web\nmodules:\n  - name: a\n    path: *web\n"})
	res, err := Build(dir, nil, nil)
	if err != nil || res.Path != filepath.Join(dir, "1.10.mtar") { // the ID as written, not a float
		t.Fatalf("%+v %v", res, err)
	}
}
