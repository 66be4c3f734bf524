//go:build tools

// Package cfcli pins the real cf CLI that the end-to-end tests drive.
// `make` builds it with: go build -o ../../.tools/bin/cf code.cloudfoundry.org/cli/v8
package cfcli

import _ "code.cloudfoundry.org/cli/v8"
