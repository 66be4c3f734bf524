package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// binaryName is the plugin's name, which its release files start with (bg-deploy.linux64).
const binaryName = "bg-deploy"

// platforms maps release file suffixes to the cf CLI's platform names
// (util/generic/architecture.go: linux/amd64 linux64, windows/amd64 win64, darwin osx). Other
// binaries (linuxarm64, osxarm64) are listed under their own names, which current CLIs ignore.
var platforms = map[string]string{
	"linux64":    "linux64",
	"linuxarm64": "linuxarm64",
	"osx":        "osx",
	"osxarm64":   "osxarm64",
	"win64.exe":  "win64",
}

// sum is one release binary and its digests.
type sum struct {
	file, sha1, sha256 string
}

func checksum(dir string) ([]sum, error) {
	var sums []sum
	for suffix := range platforms {
		path := filepath.Join(dir, binaryName+"."+suffix)
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		s1, s256 := sha1.New(), sha256.New()
		_, err = io.Copy(io.MultiWriter(s1, s256), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		sums = append(sums, sum{filepath.Base(path), hex.EncodeToString(s1.Sum(nil)), hex.EncodeToString(s256.Sum(nil))})
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i].file < sums[j].file })
	return sums, nil
}

// writeChecksums writes the lists `sha1sum -c` and `sha256sum -c` read.
func writeChecksums(dir string, sums []sum) error {
	var b1, b256 strings.Builder
	for _, s := range sums {
		fmt.Fprintf(&b1, "%s  %s\n", s.sha1, s.file)
		fmt.Fprintf(&b256, "%s  %s\n", s.sha256, s.file)
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums-sha1.txt"), []byte(b1.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(b256.String()), 0o644)
}

// The index, in the shape the cf CLI reads (api/plugin/plugin_repository.go) plus the fields the
// CF-Community repository adds.
type index struct {
	Plugins []plugin `json:"plugins"`
}

type plugin struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Version     string         `json:"version"`
	Homepage    string         `json:"homepage,omitempty"`
	Binaries    []pluginBinary `json:"binaries"`
}

type pluginBinary struct {
	Platform string `json:"platform"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"` // hex SHA-1: what `cf install-plugin -r` compares
}

func writeIndex(path, baseURL, version string, sums []sum) error {
	p := plugin{
		Name:        binaryName,
		Description: "Blue-green deployment of multitarget apps (MTAs), with the official MTA plugin's commands and flags",
		Version:     version,
	}
	for _, s := range sums {
		suffix := strings.TrimPrefix(s.file, binaryName+".")
		p.Binaries = append(p.Binaries, pluginBinary{platforms[suffix], strings.TrimSuffix(baseURL, "/") + "/" + s.file, s.sha1})
	}
	data, err := json.MarshalIndent(index{[]plugin{p}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
