package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// The --smoke-test commands run here, on the user's machine: the engine only asks for them
// (Event.smoke_test_request, with the new version's temporary URLs) and waits for the report. They
// run one after another through the shell, in the directory the deploy was started in, each with
// its timeout; their output streams to the user, indented. The first failure ends the run.

const (
	smokeIndent     = "    "
	reportTimeout   = 10 * time.Second
	smokeWaitDelay  = 2 * time.Second // after a kill, how long the output pipes may stay open
	smokeLineLimit  = 1 << 20
	smokeUnknownCmd = "the smoke-test commands of operation %s are not known to this cf CLI: run \"cf %s -i %s -a retry\" where the deploy was started"
)

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// smokeEnvName is a module's part of BG_IDLE_URL_<MODULE>: upper case, non-alphanumerics as _.
func smokeEnvName(module string) string {
	return strings.ToUpper(notAlnum.ReplaceAllString(module, "_"))
}

// smokeEnv is what every command gets on top of the shim's own environment.
func smokeEnv(opID string, req *pb.SmokeTestRequest) []string {
	env := []string{"BG_OPERATION_ID=" + opID, "BG_MTA_ID=" + req.GetMtaId(), "BG_MTA_VERSION=" + req.GetMtaVersion()}
	idle, _ := json.Marshal(req.GetIdleUrls())
	env = append(env, "BG_IDLE_URLS="+string(idle))
	for _, urls := range []struct {
		prefix string
		byMod  map[string]string
	}{{"BG_IDLE_URL_", req.GetIdleUrls()}, {"BG_LIVE_URL_", req.GetLiveUrls()}} {
		modules := make([]string, 0, len(urls.byMod))
		for m := range urls.byMod {
			modules = append(modules, m)
		}
		sort.Strings(modules)
		for _, m := range modules {
			env = append(env, urls.prefix+smokeEnvName(m)+"="+urls.byMod[m])
		}
	}
	return env
}

// runSmokeTests runs the commands the engine asks for and reports how they went. Interrupted
// (Ctrl-C), the running command is killed and the report says so: the operation stops in ERROR
// and `-a retry` runs them again.
func (f *follower) runSmokeTests(ctx context.Context, opID string, req *pb.SmokeTestRequest) {
	s := f.s
	tests, ok := f.smokeTestsOf(opID)
	var outcomes []*pb.SmokeTestOutcome
	if !ok {
		msg := fmt.Sprintf(smokeUnknownCmd, opID, s.name, opID)
		s.ui.Warn(msg)
		outcomes = []*pb.SmokeTestOutcome{{Error: msg}}
	}
	timeout := time.Duration(req.GetTimeoutS()) * time.Second
	for i, command := range tests.Commands {
		s.ui.Say(`Running smoke test "%s" (%d of %d)...`, command, i+1, len(tests.Commands))
		out := f.runSmokeTest(ctx, command, tests.Dir, smokeEnv(opID, req), timeout)
		outcomes = append(outcomes, out)
		f.sayOutcome(opID, out)
		if !out.GetPassed() {
			break
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	_, err := s.eng.ReportSmokeTests(rctx, &pb.SmokeTestReport{Target: s.target.Proto(), OperationId: opID,
		Attempt: req.GetAttempt(), Outcomes: outcomes})
	if err != nil {
		s.ui.Warn("Could not report the smoke tests to the deploy engine: " + err.Error())
	}
}

func (f *follower) sayOutcome(opID string, out *pb.SmokeTestOutcome) {
	var line, state string
	switch {
	case out.GetPassed():
		line, state = fmt.Sprintf(`Smoke test "%s" passed in %.1f s`, out.GetCommand(), out.GetSeconds()), "passed"
	case out.GetError() != "":
		line, state = fmt.Sprintf(`Smoke test "%s" failed: %s`, out.GetCommand(), out.GetError()), "failed"
	case out.GetTimedOut():
		line, state = fmt.Sprintf(`Smoke test "%s" did not finish within %.0f s and was stopped`, out.GetCommand(), out.GetSeconds()), "failed"
	default:
		line, state = fmt.Sprintf(`Smoke test "%s" failed with exit code %d after %.1f s`, out.GetCommand(), out.GetExitCode(), out.GetSeconds()), "failed"
	}
	f.s.ui.Say("%s", line)
	f.s.ui.Emit(ui.EventRecord{Event: "smoke-test", OperationID: opID, Timestamp: timestamp(f.s.ui.Now()),
		Command: out.GetCommand(), State: state, Message: line})
}

// runSmokeTest runs one command through the shell and streams its output, indented.
func (f *follower) runSmokeTest(ctx context.Context, command, dir string, env []string, timeout time.Duration) *pb.SmokeTestOutcome {
	out := &pb.SmokeTestOutcome{Command: command}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, shell[0], append(shell[1:], command)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	killGroup(cmd)
	cmd.WaitDelay = smokeWaitDelay
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.streamOutput(command, pr)
	}()
	start := time.Now()
	err := cmd.Run()
	pw.Close()
	<-done
	out.Seconds = time.Since(start).Seconds()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		out.Error = "interrupted on the cf CLI"
	case rctx.Err() == context.DeadlineExceeded:
		out.TimedOut = true
	case err == nil:
		out.Passed = true
	case errors.As(err, &exit):
		out.ExitCode = int32(exit.ExitCode())
	default:
		out.Error = err.Error()
	}
	return out
}

// streamOutput prints each line as it comes (stdout and stderr together).
func (f *follower) streamOutput(command string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if len(line) > smokeLineLimit {
			line = line[:smokeLineLimit]
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" || err == nil {
			f.s.ui.Say("%s%s", smokeIndent, line)
			f.s.ui.Emit(ui.EventRecord{Event: "smoke-test", Timestamp: timestamp(f.s.ui.Now()), Command: command, Message: line})
		}
		if err != nil {
			io.Copy(io.Discard, r) // nothing is lost upstream: let the writer finish
			return
		}
	}
}

// smokeTestsOf returns the commands of an operation: those of this command line, else those a
// deploy on this machine saved for it (a retry or monitor in another shell).
func (f *follower) smokeTestsOf(opID string) (smokeTests, bool) {
	if f.tests != nil && f.tests.OperationID == opID {
		return *f.tests, true
	}
	return loadSmokeTests(opID)
}
