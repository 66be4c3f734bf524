package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// descriptorFiles are where a deployed directory may hold its descriptor, in the order tried.
var descriptorFiles = []string{"mtad.yaml", "META-INF/mtad.yaml"}

// maxDescriptorBytes is the engine's (and the deploy service's) limit for mtad.yaml.
const maxDescriptorBytes = 1 << 20

// The MTA specification's identifier rule, which the engine applies to IDs and names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// descriptor holds what the builder needs from mtad.yaml: names, and the paths to package.
type descriptor struct {
	file      string // as found in the directory: "mtad.yaml" or "META-INF/mtad.yaml"
	raw       []byte // copied into the archive as is
	id        string
	version   string
	modules   []module
	resources []resource
}

type module struct {
	name     string
	where    string // "modules[0]"
	path     ref
	requires []requirement
}

type requirement struct {
	name  string
	where string // "modules[0].requires[1]"
	path  ref    // parameters.path, when it names a .json file
}

type resource struct {
	name  string
	where string // "resources[0]"
	files []ref  // parameters.path and parameters.config-path
}

// ref is a path from the descriptor and the field it came from.
type ref struct {
	value string
	where string
}

// fieldError is a problem in the descriptor, rendered as "file: field: message" on one line.
type fieldError struct {
	file, where, msg string
}

func (e *fieldError) Error() string {
	if e.where == "" {
		return e.file + ": " + e.msg
	}
	return e.file + ": " + e.where + ": " + e.msg
}

// readDescriptor finds the descriptor in the tree and reads the fields the builder uses.
func readDescriptor(t *tree, dir string) (*descriptor, error) {
	for _, name := range descriptorFiles {
		real, info, err := t.resolve(name)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && info.IsDir()) {
			continue
		}
		if err != nil {
			return nil, &fieldError{file: name, msg: err.Error()}
		}
		if !info.Mode().IsRegular() {
			return nil, &fieldError{file: name, msg: "is not a regular file"}
		}
		raw, err := t.read(real, maxDescriptorBytes)
		if err != nil {
			return nil, &fieldError{file: name, msg: err.Error()}
		}
		return parseDescriptor(name, raw)
	}
	return nil, fmt.Errorf("No deployment descriptor with name mtad.yaml was found in location %s", dir)
}

func parseDescriptor(file string, raw []byte) (*descriptor, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		msg := strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " ")
		return nil, &fieldError{file: file, msg: "is not valid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, &fieldError{file: file, msg: "the deployment descriptor is empty"}
	}
	r := &reader{file: file}
	top := doc.Content[0]
	r.mapping(top, "")
	d := &descriptor{file: file, raw: raw, id: r.text(r.get(top, "ID"), "ID"), version: r.text(r.get(top, "version"), "version")}
	for i, m := range r.list(r.get(top, "modules"), "modules") {
		where := fmt.Sprintf("modules[%d]", i)
		mod := module{name: r.text(r.get(m, "name"), where+".name"), where: where}
		mod.path = ref{r.text(r.get(m, "path"), where+".path"), where + ".path"}
		for j, q := range r.list(r.get(m, "requires"), where+".requires") {
			qWhere := fmt.Sprintf("%s.requires[%d]", where, j)
			p, _ := r.param(r.get(q, "parameters"), qWhere+".parameters", "path")
			if strings.HasSuffix(p.value, ".json") { // other paths in requires are not files (e.g. a route path)
				mod.requires = append(mod.requires, requirement{name: r.text(r.get(q, "name"), qWhere+".name"), where: qWhere, path: p})
			}
		}
		d.modules = append(d.modules, mod)
	}
	for i, res := range r.list(r.get(top, "resources"), "resources") {
		where := fmt.Sprintf("resources[%d]", i)
		rs := resource{name: r.text(r.get(res, "name"), where+".name"), where: where}
		params := r.get(res, "parameters")
		for _, key := range []string{"path", "config-path"} {
			if p, ok := r.param(params, where+".parameters", key); ok {
				rs.files = append(rs.files, p)
			}
		}
		d.resources = append(d.resources, rs)
	}
	if r.err != nil {
		return nil, r.err
	}
	if d.id == "" {
		return nil, &fieldError{file: file, where: "ID", msg: "is required"}
	}
	if !validName.MatchString(d.id) || strings.HasPrefix(d.id, ".") {
		return nil, &fieldError{file: file, where: "ID", msg: fmt.Sprintf("%q cannot name the archive file <ID>.mtar: "+
			`an MTA ID has letters, digits, "_", "-" and "." only, does not start with "." and has at most 128 characters`, d.id)}
	}
	return d, nil
}

// checkName refuses a name that cannot go into the manifest as the engine will read it.
func checkName(file, where, name string) error {
	if name == "" {
		return &fieldError{file: file, where: where, msg: "is required"}
	}
	if !validName.MatchString(name) {
		return &fieldError{file: file, where: where,
			msg: fmt.Sprintf(`%q is not a valid name (letters, digits, "_", "-", "." and at most 128 characters)`, name)}
	}
	return nil
}

// reader walks the YAML tree; the first structural problem sticks in err and ends the walk.
type reader struct {
	file string
	err  error
}

func (r *reader) fail(where, format string, args ...any) {
	if r.err == nil {
		r.err = &fieldError{file: r.file, where: where, msg: fmt.Sprintf(format, args...)}
	}
}

// deref follows YAML aliases; nil and null mean absent.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	return n
}

func (r *reader) mapping(n *yaml.Node, where string) *yaml.Node {
	n = deref(n)
	if n == nil || r.err != nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.fail(where, "must be a map, not %s", kind(n))
		return nil
	}
	// The engine refuses duplicate keys too; checked here so that both never read different values.
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.ShortTag() != "!!merge" {
			if seen[k.Value] {
				r.fail(join(where, k.Value), "duplicate key %q", k.Value)
				return nil
			}
			seen[k.Value] = true
		}
	}
	return n
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// get looks key up in a mapping, honouring merge keys (`<<: *base`) as YAML does.
func (r *reader) get(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch k := m.Content[i]; {
		case k.Value == key && k.ShortTag() != "!!merge":
			return m.Content[i+1]
		case k.ShortTag() == "!!merge":
			v := deref(m.Content[i+1])
			if v != nil && v.Kind == yaml.SequenceNode {
				merged = append(merged, v.Content...)
			} else {
				merged = append(merged, v)
			}
		}
	}
	for _, base := range merged {
		if v := r.get(base, key); v != nil {
			return v
		}
	}
	return nil
}

func (r *reader) list(n *yaml.Node, where string) []*yaml.Node {
	n = deref(n)
	if n == nil || r.err != nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(where, "must be a list, not %s", kind(n))
		return nil
	}
	for i, item := range n.Content {
		r.mapping(item, fmt.Sprintf("%s[%d]", where, i))
	}
	return n.Content
}

// text is a scalar as written (so `ID: 1.10` stays "1.10"); absent is "".
func (r *reader) text(n *yaml.Node, where string) string {
	n = deref(n)
	if n == nil || r.err != nil {
		return ""
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float":
		return n.Value
	}
	r.fail(where, "must be a string, not %s", kind(n))
	return ""
}

// param is parameters.<key> when it is a string; other values are left to the engine.
func (r *reader) param(params *yaml.Node, where, key string) (ref, bool) {
	n := deref(r.get(r.mapping(params, where), key))
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || n.Value == "" {
		return ref{}, false
	}
	return ref{n.Value, join(where, key)}, true
}

func kind(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a map"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!bool":
		return "a boolean"
	case n.ShortTag() == "!!int" || n.ShortTag() == "!!float":
		return "a number"
	case n.ShortTag() == "!!str":
		return "a string"
	}
	return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
}

// limitedRead reads at most limit bytes and says so when there are more.
func limitedRead(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is larger than %d KB", limit/1024)
	}
	return data, nil
}
