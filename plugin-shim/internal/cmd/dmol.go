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

type dmolOptions struct {
	shared
	id    counted
	mtaID string
	last  int
	dir   string
}

func parseDmol(args []string) (*dmolOptions, error) {
	f := newFlags("download-mta-op-logs")
	o := &dmolOptions{}
	o.shared.register(f)
	last := ""
	f.fs.Var(&o.id, "i", "")
	f.fs.StringVar(&o.mtaID, "mta", "", "")
	f.fs.StringVar(&last, "last", "", "")
	f.fs.StringVar(&o.dir, "d", "", "")
	if err := f.parse(args); err != nil {
		return nil, err
	}
	if len(f.positional) > 0 {
		return nil, usagef("Wrong arguments")
	}
	switch {
	case o.id.times > 0 && o.mtaID != "":
		return nil, usagef("Option -i and option --mta are incompatible")
	case o.id.times > 1:
		return nil, usagef("Option i should be specified only once")
	case o.id.value == "" && o.mtaID == "":
		return nil, usagef(`Missing required option "i"`)
	}
	if last != "" {
		if o.mtaID == "" {
			return nil, usagef("Option --last can only be used with --mta")
		}
		var err error
		if o.last, err = nonNegative("last", last); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func runDmolCommand(ctx context.Context, env *Env, name string, args []string) int {
	o, err := parseDmol(args)
	if err != nil {
		return usageFailure(env, dmolMeta, wantsJSON(args), err)
	}
	return runDmol(ctx, newSession(env, name, o.json), o)
}

func runDmol(ctx context.Context, s *session, o *dmolOptions) int {
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	if err := s.connect(ctx, o.url); err != nil {
		return s.fail(err)
	}
	ids := []string{o.id.value}
	if o.mtaID != "" {
		last := o.last
		if last == 0 {
			last = 1
		}
		ops, err := s.eng.ListOperations(ctx, &pb.ListOperationsRequest{Target: s.target.Proto(), MtaId: o.mtaID, Last: int32(last), All: true})
		if err != nil {
			return s.fail(err)
		}
		if len(ops) == 0 {
			return s.fail(fmt.Errorf("No multi-target app operations found for multi-target app %s", o.mtaID))
		}
		ids = ids[:0]
		for _, op := range ops {
			ids = append(ids, op.GetId())
		}
	}
	root := o.dir
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
