// Package archive builds an MTA archive (.mtar) from a deployed directory, as the official plugin does
// for `cf deploy DIR`, on the user's machine (the engine may be remote). It is the project's only
// builder; the engine only reads archives.
//
// The descriptor is mtad.yaml, or META-INF/mtad.yaml, in the directory. Each module `path` (a file or a
// directory) becomes an archive entry named in META-INF/MANIFEST.MF (MTA-Module); a resource's
// parameters.path or parameters.config-path becomes an MTA-Resource entry and a requires entry's
// parameters.path (a .json file) an MTA-Requires entry. Entries are named by their path in the
// directory, so modules sharing content share one entry.
//
// One rule for every path: it is relative, it stays inside the directory once cleaned and once its
// symlinks are followed (a symlink that stays inside is followed; one that leads out, dangles or loops
// is refused), and it exists. The MTA ID must be usable as a file name. Errors are one line naming the
// descriptor file and the field. Nothing is written before everything is checked, and the archive is
// written atomically.
package archive

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Result describes a built archive.
type Result struct {
	Path     string // <dir>/<ID>.mtar, or the path given to BuildTo
	MtaID    string
	Version  string
	Warnings []string
}

// maxEntries is the engine's limit on the entries of an archive.
const maxEntries = 100_000

// Build zips dir into <dir>/<ID>.mtar, as the official plugin does. modules and resources select
// what to include (empty: all).
func Build(dir string, modules, resources []string) (Result, error) {
	return build(dir, "", modules, resources)
}

// BuildTo zips dir into out, wherever the caller wants it.
func BuildTo(dir, out string, modules, resources []string) (Result, error) {
	if out == "" {
		return Result{}, errors.New("no output file given")
	}
	return build(dir, out, modules, resources)
}

func build(dir, out string, modules, resources []string) (Result, error) {
	var res Result
	t, err := openTree(dir)
	if err != nil {
		return res, err
	}
	defer t.close()
	d, err := readDescriptor(t, dir)
	if err != nil {
		return res, err
	}
	res.MtaID, res.Version = d.id, d.version
	if err := checkSelection(d, modules, resources); err != nil {
		return res, err
	}
	if out == "" {
		out = filepath.Join(t.dir, d.id+".mtar") // the ID was checked: the name stays in dir
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return res, err
	}
	p := &plan{t: t, file: d.file, skip: t.skipper(out), sections: map[string]*section{}, entries: map[string]entry{}}
	res.Warnings, err = p.collect(d, modules, resources)
	if err != nil {
		return res, err
	}
	if err := write(t, out, p, d.raw); err != nil {
		return res, fmt.Errorf("Could not build the MTA archive %s: %v", out, err)
	}
	res.Path = out
	return res, nil
}

// plan is what goes into the archive: manifest sections and the files and directories behind them.
type plan struct {
	t        *tree
	file     string // the descriptor, for messages
	skip     func(real string) bool
	sections map[string]*section // by entry name
	entries  map[string]entry    // by entry name
}

type section struct {
	contentType string
	owners      map[string][]string // manifest header -> names, in the order added
}

func (p *plan) collect(d *descriptor, modules, resources []string) ([]string, error) {
	var noPath []string
	add := func(r ref, header, owner string, jsonFile bool, names ...ref) error {
		for _, n := range names {
			if err := checkName(p.file, n.where, n.value); err != nil {
				return err
			}
		}
		return p.add(r, header, owner, jsonFile)
	}
	for _, m := range d.modules {
		if !selected(modules, m.name) {
			continue
		}
		name := ref{m.name, m.where + ".name"}
		if m.path.value == "" {
			noPath = append(noPath, m.name)
		} else if err := add(m.path, "MTA-Module", m.name, false, name); err != nil {
			return nil, err
		}
		for _, q := range m.requires {
			if err := add(q.path, "MTA-Requires", m.name+"/"+q.name, true, name, ref{q.name, q.where + ".name"}); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range d.resources {
		if !selected(resources, r.name) {
			continue
		}
		for _, f := range r.files {
			if err := add(f, "MTA-Resource", r.name, true, ref{r.name, r.where + ".name"}); err != nil {
				return nil, err
			}
		}
	}
	if len(noPath) == 0 {
		return nil, nil
	}
	return []string{fmt.Sprintf("Modules %s do not have a path, specified for their binaries and will be ignored", strings.Join(noPath, ", "))}, nil
}

// add puts the content behind one descriptor path into the plan, for owner under header. A JSON
// file (resource and requires parameters) must be a file; module content may be a directory.
func (p *plan) add(r ref, header, owner string, jsonFile bool) error {
	fail := func(err error) error { return &fieldError{file: p.file, where: r.where, msg: err.Error()} }
	rel, err := clean(r.value)
	if err != nil {
		return fail(err)
	}
	real, info, err := p.t.resolve(rel)
	if err != nil {
		return fail(err)
	}
	name, contentType := real, "application/json"
	switch {
	case real == ".":
		return fail(fmt.Errorf("%q is the deployed directory itself; put the content in a subdirectory", r.value))
	case jsonFile && !info.Mode().IsRegular():
		return fail(fmt.Errorf("%q is not a file", r.value))
	case info.IsDir():
		name, contentType = real+"/", "text/directory"
	case !info.Mode().IsRegular():
		return fail(fmt.Errorf("%q is not a regular file or a directory", r.value))
	case !jsonFile:
		contentType = "application/zip"
	}
	s := p.sections[name]
	if s == nil {
		s = &section{owners: map[string][]string{}}
		p.sections[name] = s
	}
	if s.contentType == "" || contentType == "application/json" { // the engine reads JSON only when so typed
		s.contentType = contentType
	}
	if !slices.Contains(s.owners[header], owner) {
		s.owners[header] = append(s.owners[header], owner)
	}
	e := entry{name: name, real: real, dir: info.IsDir()}
	if err := p.put(e); err != nil {
		return fail(err)
	}
	if e.dir {
		if err := p.t.walk(real, name, p.skip, p.put); err != nil {
			return fail(err)
		}
	}
	return nil
}

func (p *plan) put(e entry) error {
	if _, seen := p.entries[e.name]; !seen && len(p.entries) >= maxEntries {
		return fmt.Errorf("holds more than %d files (the engine's limit)", maxEntries)
	}
	p.entries[e.name] = e
	return nil
}

// skipper leaves the archive being built out of the content, should it be inside the tree.
func (t *tree) skipper(out string) func(string) bool {
	dir, err := filepath.EvalSymlinks(filepath.Dir(out))
	if err != nil {
		return func(string) bool { return false }
	}
	rel, err := filepath.Rel(t.real, filepath.Join(dir, filepath.Base(out)))
	if err != nil || !filepath.IsLocal(rel) {
		return func(string) bool { return false }
	}
	rel = filepath.ToSlash(rel)
	return func(real string) bool { return real == rel }
}

func checkSelection(d *descriptor, modules, resources []string) error {
	var moduleNames, resourceNames []string
	for _, m := range d.modules {
		moduleNames = append(moduleNames, m.name)
	}
	for _, r := range d.resources {
		resourceNames = append(resourceNames, r.name)
	}
	if unknown := missing(modules, moduleNames); len(unknown) > 0 {
		return fmt.Errorf("Modules %s are specified for deployment but are not part of deployment descriptor modules", strings.Join(unknown, ", "))
	}
	if unknown := missing(resources, resourceNames); len(unknown) > 0 {
		return fmt.Errorf("Resources %s are specified for deployment but are not part of deployment descriptor resources", strings.Join(unknown, ", "))
	}
	return nil
}

func selected(names []string, name string) bool {
	return len(names) == 0 || slices.Contains(names, name)
}

func missing(wanted, have []string) []string {
	var out []string
	for _, w := range wanted {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}
