package archive

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

const (
	manifestPath   = "META-INF/MANIFEST.MF"
	descriptorPath = "META-INF/mtad.yaml"
	// manifestLineBytes is the JAR manifest's line limit; longer headers continue on lines that
	// start with one space.
	manifestLineBytes = 72
)

// write zips the plan into out atomically: a temporary file next to it, renamed over it when complete,
// so a failed build leaves no partial archive and an earlier one as it was. Renaming replaces a symlink
// at out rather than writing through it.
func write(t *tree, out string, p *plan, descriptor []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := zip.NewWriter(tmp)
	if err := addBytes(zw, manifestPath, p.manifest()); err != nil {
		return err
	}
	if err := addBytes(zw, descriptorPath, descriptor); err != nil {
		return err
	}
	names := make([]string, 0, len(p.entries))
	for name := range p.entries {
		if name != manifestPath && name != descriptorPath {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if err := addEntry(zw, t, p.entries[name]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// manifest is META-INF/MANIFEST.MF: the main section, then one section per entry, in name order.
func (p *plan) manifest() []byte {
	var b bytes.Buffer
	b.WriteString("Manifest-Version: 1.0\r\nCreated-By: cf bg-deploy\r\n\r\n")
	names := make([]string, 0, len(p.sections))
	for name := range p.sections {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := p.sections[name]
		header(&b, "Name", name)
		header(&b, "Content-Type", s.contentType)
		for _, key := range []string{"MTA-Module", "MTA-Resource", "MTA-Requires"} {
			if owners := s.owners[key]; len(owners) > 0 {
				header(&b, key, strings.Join(owners, ", "))
			}
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// header writes "key: value" wrapped at 72 bytes, never inside a UTF-8 sequence (the engine decodes
// the manifest before it joins continuation lines; Java joins bytes, so either reader gets the value).
func header(b *bytes.Buffer, key, value string) {
	line, limit := key+": "+value, manifestLineBytes
	for len(line) > limit {
		cut := limit
		for cut > 1 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line, limit = line[cut:], manifestLineBytes-1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

func addBytes(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// addEntry copies a file or directory of the tree into the zip with its mode and time (so unchanged
// content gives the same archive, and the same digest: no new upload).
func addEntry(zw *zip.Writer, t *tree, e entry) error {
	f, err := t.root.Open(e.real)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	hdr.Name = e.name
	if e.dir {
		hdr.Method = zip.Store
		_, err = zw.CreateHeader(hdr)
		return err
	}
	hdr.Method = zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}
