//go:build !unix

package engine

import (
	"errors"
	"os"
)

// handOver: descriptors cannot be passed here; files are streamed.
func handOver(string, *os.File) (string, error) {
	return "", errors.New("no descriptor passing on this system")
}
