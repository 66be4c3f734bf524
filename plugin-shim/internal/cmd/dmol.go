package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var dmolCommand = command{
	name:     cmdDmol,
	alias:    "dmol",
	helpText: "Download logs of multi-target app operation",
	usage: []usageForm{
		{line: "-i [-d] [-u] [--json] [--yes]"},
		{line: "--mta [--last] [-d] [-u] [--json]"},
	},
	checkTyped: func(c *cmdline) error {
		id, mta := c.flag("i"), c.flag("mta")
		switch {
		case len(c.positional) > 0:
			return usagef("Wrong arguments")
		case id.given() && mta.raw != "":
			return usagef("Option -i and option --mta are incompatible")
		case id.times > 1:
			return usagef("Option i should be specified only once")
		case id.raw == "" && mta.raw == "":
			return usagef(`Missing required option "i"`)
		case c.flag("last").raw != "" && mta.raw == "":
			return usagef("Option --last can only be used with --mta")
		}
		return nil
	},
	run: runDmol,
}

func runDmol(ctx context.Context, s *session, c *cmdline) int {
	ids := []string{c.id}
	if c.mtaID != "" {
		last := c.last
		if last == 0 {
			last = 1
		}
		ops, err := s.eng.ListOperations(ctx, &pb.ListOperationsRequest{Target: s.target.Proto(), MtaId: c.mtaID, Last: int32(last), All: true})
		if err != nil {
			return s.fail(err)
		}
		if len(ops) == 0 {
			return s.fail(fmt.Errorf("No multi-target app operations found for multi-target app %s", c.mtaID))
		}
		ids = ids[:0]
		for _, op := range ops {
			ids = append(ids, op.GetId())
		}
	}
	root := c.dir
	if root == "" {
		root = "."
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return s.fail(err)
	}
	var saved []string
	for _, id := range ids {
		s.summary.OperationID = id
		s.ui.Say("Downloading logs of multi-target app operation with ID %s in org %s / space %s as %s...", id, s.target.OrgName, s.target.SpaceName, s.target.User)
		files, err := s.downloadLogs(ctx, id, filepath.Join(root, "mta-op-"+id))
		if err != nil {
			return s.fail(err)
		}
		saved = append(saved, files...)
	}
	s.summary.Data = map[string]any{"files": saved}
	return s.end(ui.OutcomeOK, ui.ExitOK)
}

var safeLogName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// downloadLogs writes each log of the operation to dir/<name>; dir must not exist yet.
func (s *session) downloadLogs(ctx context.Context, id, dir string) ([]string, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("File or directory already exists: %s", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	files := map[string]*os.File{}
	var order []string
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	err := s.eng.GetOperationLog(ctx, &pb.GetOperationLogRequest{Target: s.target.Proto(), OperationId: id}, func(c *pb.LogChunk) error {
		name := safeLogName.ReplaceAllString(c.GetName(), "_")
		if name == "" || name == "." || name == ".." {
			name = "MAIN_LOG"
		}
		f, ok := files[name]
		if !ok {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			var err error
			if f, err = os.Create(filepath.Join(dir, name)); err != nil {
				return err
			}
			files[name] = f
			order = append(order, name)
		}
		_, err := f.Write(c.GetData())
		return err
	})
	closeAll()
	if engine.IsNotFound(err) {
		return nil, fmt.Errorf("Multi-target app operation with ID %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	s.ui.OK()
	s.ui.Say("Saving logs to %s...", dir)
	var paths []string
	for _, n := range order {
		s.ui.Say("  %s", n)
		paths = append(paths, filepath.Join(dir, n))
	}
	s.ui.OK()
	return paths, nil
}
