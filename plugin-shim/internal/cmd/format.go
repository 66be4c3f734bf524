package cmd

import (
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// stateName is the State without its prefix: RUNNING, ACTION_REQUIRED, ...
func stateName(s pb.State) string { return strings.TrimPrefix(s.String(), "STATE_") }

func processName(p pb.ProcessType) string { return strings.TrimPrefix(p.String(), "PROCESS_TYPE_") }

func errorTypeName(e pb.ErrorType) string {
	if e == pb.ErrorType_ERROR_TYPE_UNSPECIFIED {
		return ""
	}
	return strings.TrimPrefix(e.String(), "ERROR_TYPE_")
}

func levelName(l pb.Level) string {
	if l == pb.Level_LEVEL_UNSPECIFIED {
		return "info"
	}
	return strings.ToLower(strings.TrimPrefix(l.String(), "LEVEL_"))
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func protoTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return timestamp(ts.AsTime())
}

// hint is one follow-up line, e.g. Use "cf bg-deploy -i 42 -a resume" to resume the process
func hint(cmd, id, action string) string {
	return `Use "cf ` + cmd + ` -i ` + id + ` -a ` + action + `" to ` + action + ` the process`
}

func dmolHint(id string) string {
	return `Use "cf dmol -i ` + id + `" to download the logs of the process.`
}
