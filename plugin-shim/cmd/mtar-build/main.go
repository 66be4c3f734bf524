// Command mtar-build builds an MTA archive from a directory with the plugin's own builder (the one
// `cf bg-deploy DIR` uses), so that tests and scripts outside Go build archives by the same rule:
//
//	mtar-build DIR OUT.mtar
//
// Warnings go to stderr; a refused directory exits 1 with the builder's one-line error.
package main

import (
	"fmt"
	"io"
	"os"

	"bgdeploy.local/plugin-shim/internal/archive"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: mtar-build DIR OUT.mtar")
		return 2
	}
	res, err := archive.BuildTo(args[0], args[1], nil, nil)
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
