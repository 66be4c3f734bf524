package cmd

import (
	"archive/zip"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

// realMtar writes an archive with a META-INF/mtad.yaml of this ID and schema version.
func realMtar(t *testing.T, id, schema string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), id+".mtar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	w, _ := z.Create("META-INF/mtad.yaml")
	w.Write([]byte("_schema-version: " + schema + "\nID: " + id + "\nversion: 1.0.0\n"))
	z.Close()
	f.Close()
	return p
}

func TestSecureParametersFromTheEnvironment(t *testing.T) {
	cert := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	params, names, err := secureParameters([]string{
		"PATH=/bin", "__MTA___registry-password=s3cret=with=equals", `__MTA_JSON___limits={"max": 3}`,
		"__MTA_CERT___ca=" + base64.StdEncoding.EncodeToString([]byte(cert)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"ca", "limits", "registry-password"}) {
		t.Fatalf("names %v", names)
	}
	if params["registry-password"] != "s3cret=with=equals" || params["ca"] != cert {
		t.Fatalf("params %v", params)
	}
	if limits, _ := params["limits"].(map[string]any); limits["max"] != 3.0 {
		t.Fatalf("limits %v", params["limits"])
	}
	raw, err := secureExtension(params, "shop", "3.3")
	if err != nil {
		t.Fatal(err)
	}
	var ext map[string]any
	if err := yaml.Unmarshal(raw, &ext); err != nil {
		t.Fatal(err)
	}
	if ext["ID"] != "__mta.secure" || ext["extends"] != "shop" || ext["_schema-version"] != "3.3" ||
		ext["parameters"].(map[string]any)["ca"] != cert {
		t.Fatalf("extension %v", ext)
	}
}

func TestSecureParameterErrorsInTheOfficialWords(t *testing.T) {
	for env, want := range map[string]string{
		"__MTA___bad name=x":              `invalid secure parameter name "bad name"`,
		"__MTA_JSON___j={":                "invalid JSON for j: unexpected end of JSON input",
		"__MTA_CERT___c=%%%":              "invalid base64 for c: illegal base64 data at input byte 0",
		"__MTA_JSON___x=1\x00__MTA___x=2": `secure parameter "x" defined multiple ways (collision with __MTA)`,
	} {
		_, _, err := secureParameters(strings.Split(env, "\x00"))
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %q", env, err, want)
		}
	}
}

func TestRequireSecureParametersSendsTheExtensionFromMemory(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_FINISHED))}}}}
	h := newHarness(t, eng)
	h.env.Environ = func() []string { return []string{"__MTA___registry-password=s3cret", "HOME=/root"} }
	path := realMtar(t, "shop", `"3.3"`)
	if code := h.run("bg-deploy", path, "--require-secure-parameters"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	if !strings.Contains(h.out.String(), "Secure parameters from the environment: registry-password\n") || strings.Contains(h.out.String(), "s3cret") {
		t.Fatalf("output:\n%s", h.out)
	}
	data := string(eng.UploadedData["__mta.secure.mtaext"])
	if !strings.Contains(data, "extends: shop") || !strings.Contains(data, "registry-password: s3cret") {
		t.Fatalf("extension uploaded:\n%s", data)
	}
	if ids := eng.Starts[0].GetExtensionDescriptorIds(); !slices.Equal(ids, []string{"file-__mta.secure.mtaext"}) {
		t.Fatalf("extension ids %v", ids)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("files next to the archive: %v", entries) // nothing written besides the archive
	}
}

func TestRequireSecureParametersWithoutAnyFailsBeforeUploading(t *testing.T) {
	eng := &tf.Engine{StartOp: started()}
	h := newHarness(t, eng)
	h.env.Environ = func() []string { return []string{"HOME=/root"} }
	code := h.run("deploy", realMtar(t, "shop", "3"), "--require-secure-parameters")
	if code != 1 || !strings.Contains(h.out.String(), "FAILED\nNo secure parameters found in environment. Set variables like __MTA___<name>, __MTA_JSON___<name>, or __MTA_CERT___<name>.\n") {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	if len(eng.Uploads) != 0 || len(eng.Starts) != 0 {
		t.Fatalf("uploads %v starts %v", eng.Uploads, eng.Starts)
	}
}
