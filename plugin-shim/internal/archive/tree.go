package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode"
)

// tree reads the deployed directory and nothing outside it. A path from the descriptor is checked
// lexically first (clean); symlinks are then followed the way the kernel does (resolve), and one that
// leads outside, dangles or loops is an error naming it. Files are opened through an os.Root, so even
// a symlink swapped in after the checks cannot make the builder read outside.
type tree struct {
	dir  string // absolute, as given
	real string // dir with its own symlinks resolved
	root *os.Root
}

// maxLinks is how many symlinks one path may go through, as on Linux (MAXSYMLINKS).
const maxLinks = 40

func openTree(dir string) (*tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &tree{dir: abs, real: real, root: root}, nil
}

func (t *tree) close() { t.root.Close() }

// notFoundError: the path itself does not exist (a dangling symlink on the way is another error).
type notFoundError struct{ path string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("%q does not exist in the deployed directory", e.path)
}

func (e *notFoundError) Unwrap() error { return fs.ErrNotExist }

// clean checks a descriptor path lexically and returns it cleaned, with "/" separators.
func clean(p string) (string, error) {
	if strings.ContainsFunc(p, unicode.IsControl) {
		return "", fmt.Errorf("%q contains a control character", p)
	}
	if filepath.IsAbs(p) || strings.HasPrefix(p, `\`) {
		return "", fmt.Errorf("%q is an absolute path; paths are relative to the deployed directory", p)
	}
	cleaned := path.Clean(filepath.ToSlash(p))
	if !filepath.IsLocal(cleaned) {
		return "", fmt.Errorf("%q is outside the deployed directory", p)
	}
	return cleaned, nil
}

// link is a symlink being followed; rest is how many path parts come after its target.
type link struct {
	path, target string
	rest         int
}

// resolve follows rel (relative to the top, "/"-separated) through its symlinks and returns the
// real path ("." for the top) and what is there.
func (t *tree) resolve(rel string) (string, fs.FileInfo, error) {
	todo := strings.Split(rel, "/")
	var done []string // real path so far: no symlinks in it
	var links []link
	following := func() *link { // the innermost link whose target is being walked
		for i := len(links) - 1; i >= 0; i-- {
			if len(todo) >= links[i].rest {
				return &links[i]
			}
		}
		return nil
	}
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				if l := following(); l != nil {
					return "", nil, fmt.Errorf("%q is a symlink to %q, outside the deployed directory", l.path, l.target)
				}
				return "", nil, fmt.Errorf("%q is outside the deployed directory", rel)
			}
			done = done[:len(done)-1]
			continue
		}
		current := path.Join(path.Join(done...), part)
		info, err := t.root.Lstat(current)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			if l := following(); l != nil {
				return "", nil, fmt.Errorf("%q is a symlink to %q, which does not exist", l.path, l.target)
			}
			return "", nil, &notFoundError{rel}
		}
		if err != nil {
			return "", nil, err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			done = append(done, part)
			continue
		}
		if len(links) == maxLinks {
			return "", nil, fmt.Errorf("%q goes through more than %d symlinks (a loop?)", rel, maxLinks)
		}
		target, err := t.root.Readlink(current)
		if err != nil {
			return "", nil, err
		}
		links = append(links, link{path: current, target: target, rest: len(todo)})
		next := filepath.ToSlash(target)
		if filepath.IsAbs(target) {
			inside, ok := t.relative(target)
			if !ok {
				return "", nil, fmt.Errorf("%q is a symlink to %q, outside the deployed directory", current, target)
			}
			done, next = nil, inside
		}
		todo = append(strings.Split(next, "/"), todo...)
	}
	real := path.Join(done...)
	if real == "" {
		real = "."
	}
	info, err := t.root.Stat(real)
	return real, info, err
}

// relative makes an absolute symlink target relative to the top, if it is inside.
func (t *tree) relative(target string) (string, bool) {
	for _, base := range []string{t.real, t.dir} {
		if r, err := filepath.Rel(base, filepath.Clean(target)); err == nil && filepath.IsLocal(r) {
			return filepath.ToSlash(r), true
		}
	}
	return "", false
}

// entry is a file or directory to put into the archive.
type entry struct {
	name string // in the archive; a directory's ends with "/"
	real string // in the tree
	dir  bool
}

// walk adds what the directory real holds, named under prefix (which ends with "/"), depth-first in
// lexical order so that unchanged content gives the same archive. Symlinks are followed when they stay
// inside; skip leaves out real paths (the archive being built).
func (t *tree) walk(real, prefix string, skip func(string) bool, add func(entry) error) error {
	return t.walkDir(real, prefix, []string{real}, skip, add)
}

// walkDir: open holds the real directories being walked, to refuse a symlink back into one of them.
func (t *tree) walkDir(real, prefix string, open []string, skip func(string) bool, add func(entry) error) error {
	dir, err := t.root.Open(real)
	if err != nil {
		return err
	}
	children, err := dir.ReadDir(-1)
	dir.Close()
	if err != nil {
		return err
	}
	slices.SortFunc(children, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, child := range children {
		childPath := path.Join(real, child.Name())
		if skip(childPath) {
			continue
		}
		target, info, err := t.resolve(childPath)
		if err != nil {
			return err
		}
		name := prefix + child.Name()
		switch {
		case info.IsDir():
			if slices.ContainsFunc(open, func(o string) bool { return contains(target, o) }) {
				to, _ := t.root.Readlink(childPath)
				return fmt.Errorf("%q is a symlink to %q, a directory it is in (a loop)", childPath, to)
			}
			if err := add(entry{name: name + "/", real: target, dir: true}); err != nil {
				return err
			}
			if err := t.walkDir(target, name+"/", append(open, target), skip, add); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if err := add(entry{name: name, real: target}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%q is not a regular file, a directory or a symlink", childPath)
		}
	}
	return nil
}

// contains says whether the real directory outer is inner or one of its parents.
func contains(outer, inner string) bool {
	return outer == "." || outer == inner || strings.HasPrefix(inner, outer+"/")
}

// read reads a file of the tree, refusing one larger than limit.
func (t *tree) read(real string, limit int64) ([]byte, error) {
	f, err := t.root.Open(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return limitedRead(f, limit)
}
