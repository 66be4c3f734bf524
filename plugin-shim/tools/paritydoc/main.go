// Command paritydoc writes the flag table of docs/official-parity.md from the plugin's flag table
// (internal/cmd: flagtable.go, parity.go), between the markers the document holds.
//
//	go run ./tools/paritydoc ../docs/official-parity.md
package main

import (
	"fmt"
	"os"

	"bgdeploy.local/plugin-shim/internal/cmd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: paritydoc DOC.md")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err == nil {
		var doc string
		if doc, err = cmd.WithParityTable(string(raw)); err == nil {
			err = os.WriteFile(os.Args[1], []byte(doc), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "paritydoc:", err)
		os.Exit(1)
	}
}
