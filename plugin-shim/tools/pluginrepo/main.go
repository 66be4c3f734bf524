// Command pluginrepo turns the plugin binaries built by `make dist` into a release: the macOS
// binary the cf CLI's single "osx" platform needs (a universal Mach-O of amd64 and arm64), the
// checksum files (SHA-1, which the cf CLI verifies, and SHA-256), and the plugin repository
// index that `cf add-plugin-repo`, `cf repo-plugins` and `cf install-plugin -r` read.
//
//	go run ./tools/pluginrepo -dir DIST -url BASE_URL -version 1.2.3
//
// DIST holds bg-deploy.<platform> files (and bg-deploy.osx-amd64, merged into bg-deploy.osx);
// BASE_URL is where DIST will be served. The index is DIST/list, the path the cf CLI asks for.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", "", "the dist directory")
	url := flag.String("url", "", "the URL DIST is served at")
	version := flag.String("version", "", "the plugin version")
	flag.Parse()
	if *dir == "" || *url == "" || *version == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := release(*dir, *url, *version); err != nil {
		fmt.Fprintln(os.Stderr, "pluginrepo:", err)
		os.Exit(1)
	}
}

func release(dir, url, version string) error {
	thin := filepath.Join(dir, binaryName+".osx-amd64")
	if _, err := os.Stat(thin); err == nil {
		if err := writeUniversal(filepath.Join(dir, binaryName+".osx"), thin, filepath.Join(dir, binaryName+".osxarm64")); err != nil {
			return err
		}
		if err := os.Remove(thin); err != nil {
			return err
		}
	}
	sums, err := checksum(dir)
	if err != nil {
		return err
	}
	if err := writeChecksums(dir, sums); err != nil {
		return err
	}
	return writeIndex(filepath.Join(dir, "list"), url, version, sums)
}
