// Package archive builds an MTA archive (.mtar) from a directory that holds a deployment
// descriptor (mtad.yaml), as the official plugin does for `cf deploy DIR`: the content of each
// module, resource and requires entry that names a path, META-INF/mtad.yaml and a
// META-INF/MANIFEST.MF that maps archive entries to them.
package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DescriptorName is the file a directory must contain.
const DescriptorName = "mtad.yaml"

// Result describes a built archive.
type Result struct {
	Path     string // <dir>/<ID>.mtar
	MtaID    string
	Version  string
	Warnings []string
}

type descriptor struct {
	ID      string `yaml:"ID"`
	Version string `yaml:"version"`
	Modules []struct {
		Name     string `yaml:"name"`
		Path     string `yaml:"path"`
		Requires []struct {
			Name       string         `yaml:"name"`
			Parameters map[string]any `yaml:"parameters"`
		} `yaml:"requires"`
	} `yaml:"modules"`
	Resources []struct {
		Name       string         `yaml:"name"`
		Parameters map[string]any `yaml:"parameters"`
	} `yaml:"resources"`
}

// entry is one piece of content: a file or directory on disk, its name in the archive and the
// manifest header that says what it belongs to.
type entry struct {
	source  string
	name    string // archive path; directories end with "/"
	header  string // MTA-Module, MTA-Resource or MTA-Requires
	owner   string
	content string // Content-Type
}

// Build zips dir into <dir>/<ID>.mtar. modules/resources select what to include (empty: all).
func Build(dir string, modules, resources []string) (Result, error) {
	var res Result
	raw, err := os.ReadFile(filepath.Join(dir, DescriptorName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("No deployment descriptor with name %s was found in location %s", DescriptorName, dir)
		}
		return res, err
	}
	var d descriptor
	if err := yaml.Unmarshal(raw, &d); err != nil {
		return res, fmt.Errorf("Could not parse %s: %v", filepath.Join(dir, DescriptorName), err)
	}
	if d.ID == "" {
		return res, fmt.Errorf("Could not get MTA ID from deployment descriptor: %s has no ID", filepath.Join(dir, DescriptorName))
	}
	res.MtaID, res.Version = d.ID, d.Version

	moduleNames := make([]string, len(d.Modules))
	for i, m := range d.Modules {
		moduleNames[i] = m.Name
	}
	resourceNames := make([]string, len(d.Resources))
	for i, r := range d.Resources {
		resourceNames[i] = r.Name
	}
	if unknown := missing(modules, moduleNames); len(unknown) > 0 {
		return res, fmt.Errorf("Modules %s are specified for deployment but are not part of deployment descriptor modules", strings.Join(unknown, ", "))
	}
	if unknown := missing(resources, resourceNames); len(unknown) > 0 {
		return res, fmt.Errorf("Resources %s are specified for deployment but are not part of deployment descriptor resources", strings.Join(unknown, ", "))
	}

	var entries []entry
	var noPath []string
	for _, m := range d.Modules {
		if !selected(modules, m.Name) {
			continue
		}
		if m.Path == "" {
			noPath = append(noPath, m.Name)
		} else {
			entries = append(entries, entry{source: m.Path, name: m.Name, header: "MTA-Module", owner: m.Name})
		}
		for _, r := range m.Requires {
			if p, ok := r.Parameters["path"].(string); ok && p != "" {
				entries = append(entries, entry{source: p, name: m.Name + "/" + r.Name, header: "MTA-Requires", owner: m.Name + "/" + r.Name})
			}
		}
	}
	for _, r := range d.Resources {
		if !selected(resources, r.Name) {
			continue
		}
		if p, ok := r.Parameters["path"].(string); ok && p != "" {
			entries = append(entries, entry{source: p, name: r.Name, header: "MTA-Resource", owner: r.Name})
		}
	}
	if len(noPath) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("Modules %s do not have a path, specified for their binaries and will be ignored", strings.Join(noPath, ", ")))
	}
	for i := range entries {
		e := &entries[i]
		if !filepath.IsAbs(e.source) {
			e.source = filepath.Join(dir, e.source)
		}
		info, err := os.Stat(e.source)
		if err != nil {
			return res, fmt.Errorf("Could not find the content of %s: %v", e.owner, err)
		}
		base := filepath.Base(filepath.Clean(e.source))
		if base == "." || base == string(filepath.Separator) || base == ".." {
			base = "content"
		}
		e.name = e.name + "/" + base
		if info.IsDir() {
			e.name += "/"
			e.content = "text/directory"
		} else {
			e.content = contentType(base)
		}
	}
	res.Path = filepath.Join(dir, d.ID+".mtar")
	if err := write(res.Path, raw, entries); err != nil {
		return res, fmt.Errorf("Could not build the MTA archive %s: %v", res.Path, err)
	}
	return res, nil
}

func write(out string, descriptor []byte, entries []entry) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".mtar-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	if err := addBytes(zw, "META-INF/MANIFEST.MF", manifest(entries)); err != nil {
		return err
	}
	if err := addBytes(zw, "META-INF/mtad.yaml", descriptor); err != nil {
		return err
	}
	for _, e := range entries {
		if err := addPath(zw, e, out); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// manifest writes the JAR-style manifest: a main section, then one named section per entry.
func manifest(entries []entry) []byte {
	var b bytes.Buffer
	b.WriteString("Manifest-Version: 1.0\r\nCreated-By: bg-deploy-plugin\r\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\r\nName: %s\r\nContent-Type: %s\r\n%s: %s\r\n", e.name, e.content, e.header, e.owner)
	}
	return b.Bytes()
}

func addBytes(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// addPath adds a file, or a directory tree in lexical order (so an unchanged directory gives
// the same digest and is not uploaded again). The archive being built is skipped.
func addPath(zw *zip.Writer, e entry, out string) error {
	return filepath.WalkDir(e.source, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == out || strings.HasPrefix(filepath.Base(p), ".mtar-") {
			return nil
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(e.source, p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(e.name, "/")
		if rel != "." {
			name = path.Join(name, filepath.ToSlash(rel))
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name = name
		if de.IsDir() {
			hdr.Name += "/"
			hdr.Method = zip.Store
			_, err = zw.CreateHeader(hdr)
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		hdr.Method = zip.Deflate
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".zip", ".jar", ".war":
		return "application/zip"
	case ".json":
		return "application/json"
	case ".txt", ".yaml", ".yml":
		return "text/plain"
	}
	return "application/octet-stream"
}

func selected(names []string, name string) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func missing(wanted, have []string) []string {
	var out []string
	for _, w := range wanted {
		if !selected(have, w) || len(have) == 0 {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}
