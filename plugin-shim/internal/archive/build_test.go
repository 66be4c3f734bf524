package archive

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const testDescriptor = `_schema-version: "3"
ID: hello
version: 1.0.0
modules:
  - name: backend
    type: javascript.nodejs
    path: srv
    requires:
      - name: db
        parameters:
          path: bind.json
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
`

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mtad.yaml"), testDescriptor)
	writeFile(t, filepath.Join(dir, "srv", "server.js"), "console.log('hi')")
	writeFile(t, filepath.Join(dir, "srv", "lib", "util.js"), "module.exports = {}")
	writeFile(t, filepath.Join(dir, "web.zip"), "zipzip")
	writeFile(t, filepath.Join(dir, "db.json"), `{"plan":"small"}`)
	writeFile(t, filepath.Join(dir, "bind.json"), `{}`)
	res, err := Build(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != filepath.Join(dir, "hello.mtar") || res.MtaID != "hello" || res.Version != "1.0.0" {
		t.Fatalf("%+v", res)
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != "Modules docker do not have a path, specified for their binaries and will be ignored" {
		t.Fatalf("warnings %v", res.Warnings)
	}
	files := readZip(t, res.Path)
	for _, name := range []string{"META-INF/MANIFEST.MF", "META-INF/mtad.yaml", "backend/srv/", "backend/srv/server.js",
		"backend/srv/lib/util.js", "web/web.zip", "db/db.json", "backend/db/bind.json"} {
		if _, ok := files[name]; !ok {
			t.Errorf("missing %s in %v", name, keys(files))
		}
	}
	mf := files["META-INF/MANIFEST.MF"]
	for _, want := range []string{
		"Manifest-Version: 1.0\r\n",
		"Name: backend/srv/\r\nContent-Type: text/directory\r\nMTA-Module: backend\r\n",
		"Name: web/web.zip\r\nContent-Type: application/zip\r\nMTA-Module: web\r\n",
		"Name: db/db.json\r\nContent-Type: application/json\r\nMTA-Resource: db\r\n",
		"Name: backend/db/bind.json\r\nContent-Type: application/json\r\nMTA-Requires: backend/db\r\n",
	} {
		if !strings.Contains(mf, want) {
			t.Errorf("manifest lacks %q:\n%s", want, mf)
		}
	}
	if files["META-INF/mtad.yaml"] != testDescriptor {
		t.Error("descriptor not copied as is")
	}
	// Rebuilding unchanged content gives the same bytes (same digest: no new upload).
	first, _ := os.ReadFile(res.Path)
	if _, err := Build(dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(res.Path)
	if string(first) != string(second) {
		t.Error("rebuild is not byte-identical")
	}
}

func TestBuildSelection(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mtad.yaml"), testDescriptor)
	writeFile(t, filepath.Join(dir, "web.zip"), "zipzip")
	res, err := Build(dir, []string{"web"}, []string{"none"})
	if err == nil || err.Error() != "Resources none are specified for deployment but are not part of deployment descriptor resources" {
		t.Fatalf("%v", err)
	}
	_, err = Build(dir, []string{"ghost", "web"}, nil)
	if err == nil || err.Error() != "Modules ghost are specified for deployment but are not part of deployment descriptor modules" {
		t.Fatalf("%v", err)
	}
	writeFile(t, filepath.Join(dir, "db.json"), "{}")
	if res, err = Build(dir, []string{"web"}, []string{"db"}); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, res.Path)
	if _, ok := files["backend/srv/"]; ok {
		t.Error("unselected module included")
	}
	if _, ok := files["web/web.zip"]; !ok {
		t.Error("selected module missing")
	}
}

func TestBuildNoDescriptor(t *testing.T) {
	dir := t.TempDir()
	_, err := Build(dir, nil, nil)
	if err == nil || err.Error() != "No deployment descriptor with name mtad.yaml was found in location "+dir {
		t.Fatalf("%v", err)
	}
}

func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
