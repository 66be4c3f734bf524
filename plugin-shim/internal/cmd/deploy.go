package cmd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"bgdeploy.local/plugin-shim/internal/archive"
	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// prepareDeploy finds (or builds, or downloads) the archive before the engine is needed.
func prepareDeploy(s *session, c *cmdline) (int, bool) {
	if c.actionGiven() {
		return 0, false
	}
	fromURL := false
	if c.source == "" {
		if u := s.urlOnStdin(); u != "" {
			c.source, fromURL = u, true
		}
	}
	shown := "from url"
	if !fromURL {
		archivePath, err := s.resolveArchive(c)
		if err != nil {
			return s.fail(err), true
		}
		c.archive, shown = archivePath, archivePath
	}
	if c.dryRun {
		s.ui.Say("Planning the deployment of multi-target app archive %s in org %s / space %s as %s (dry run)...", shown, s.target.OrgName, s.target.SpaceName, s.target.User)
	} else {
		s.ui.Say("Deploying multi-target app archive %s in org %s / space %s as %s...", shown, s.target.OrgName, s.target.SpaceName, s.target.User)
	}
	s.ui.Say("")
	if fromURL {
		path, err := s.fetchArchive(c.source)
		if err != nil {
			return s.fail(err), true
		}
		c.archive = path
	}
	for _, w := range c.warnings {
		s.ui.Warn(w)
	}
	if c.secureParameters {
		if err := s.prepareSecure(c); err != nil {
			return s.fail(err), true
		}
	}
	return 0, false
}

// runDeploy: uploads, start, follow (or, with --dry-run, the plan); or an action on an existing operation.
func runDeploy(ctx context.Context, s *session, c *cmdline) int {
	if c.actionGiven() {
		return runAction(ctx, s, c.id, c.action, c.retries)
	}
	s.dryRun = c.dryRun
	req, err := s.deployRequest(ctx, c)
	if err != nil {
		return s.fail(err)
	}
	if c.dryRun {
		return runDryRun(ctx, s, req)
	}
	op, code, ok := s.start(ctx, req)
	if !ok {
		return code
	}
	f := s.newFollower(c.retries)
	if len(c.smokeTests) > 0 {
		dir, _ := os.Getwd()
		f.tests = &smokeTests{OperationID: op.GetId(), Commands: c.smokeTests, Dir: dir}
		if err := saveSmokeTests(*f.tests); err != nil {
			s.ui.Warn("Could not save the smoke-test commands for later retries: " + err.Error())
		}
	}
	return f.follow(ctx, op, 0)
}

// deployRequest makes the engine hold the archive and the extension descriptors (with the secure
// parameters' one, last), and says what to deploy.
func (s *session) deployRequest(ctx context.Context, c *cmdline) (*pb.StartOperationRequest, error) {
	archives, err := s.uploadFiles(ctx, pb.FileKind_FILE_KIND_ARCHIVE, []string{c.archive})
	if err != nil {
		return nil, err
	}
	var extIDs []string
	if len(c.extDescriptors) > 0 {
		refs, err := s.uploadFiles(ctx, pb.FileKind_FILE_KIND_EXTENSION_DESCRIPTOR, c.extDescriptors)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			extIDs = append(extIDs, r.GetId())
		}
	}
	if c.secureExtension != nil {
		ref, err := s.uploadSecure(ctx, c.secureExtension)
		if err != nil {
			return nil, err
		}
		extIDs = append(extIDs, ref.GetId())
	}
	return &pb.StartOperationRequest{
		Target:                 s.target.Proto(),
		ProcessType:            c.processType,
		ArchiveId:              archives[0].GetId(),
		ExtensionDescriptorIds: extIDs,
		Options:                c.options,
		AbortConflicting:       c.force,
	}, nil
}

// resolveArchive returns the absolute path of the archive to deploy, building one when the
// argument (or the current directory) is a directory.
func (s *session) resolveArchive(c *cmdline) (string, error) {
	src := c.source
	if src == "" {
		src = "."
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("Could not find file %s", src)
	}
	if !info.IsDir() {
		return abs, nil
	}
	res, err := archive.Build(abs, c.options.GetModules(), c.options.GetResources())
	if err != nil {
		return "", err
	}
	for _, w := range res.Warnings {
		s.ui.Warn(w)
	}
	return res.Path, nil
}

// start starts the operation. When another operation holds the MTA it asks whether to abort
// that one (on a terminal, like the official plugin), else explains how to.
func (s *session) start(ctx context.Context, req *pb.StartOperationRequest) (*pb.Operation, int, bool) {
	op, err := s.eng.StartOperation(ctx, req)
	if id, conflict := engine.ConflictingOperation(err); conflict && !req.AbortConflicting {
		s.summary.OperationID = id
		if s.env.InTTY && !s.ui.JSON && s.confirm(fmt.Sprintf("There is an ongoing operation %s for this multi-target app. Do you want to abort it? (y/n)", id)) {
			s.ui.Say(`Executing action "abort" on operation %s...`, id)
			req.AbortConflicting = true
			op, err = s.eng.StartOperation(ctx, req)
		} else {
			msg := fmt.Sprintf("%s\nUse \"cf %s -i %s -a abort\" to abort the conflicting operation, or run the command again with -f to abort it first.",
				err.Error(), s.name, id)
			s.ui.Failed(msg)
			s.summary.Message = err.Error()
			s.summary.Next = map[string]string{"abort": fmt.Sprintf("cf %s -i %s -a abort", s.name, id)}
			return nil, s.end(ui.OutcomeError, ui.ExitFailed), false
		}
	}
	if err != nil {
		return nil, s.fail(fmt.Errorf("Could not create operation: %w", err)), false
	}
	s.summary.OperationID = op.GetId()
	s.summary.MtaID = op.GetMtaId()
	s.ui.Emit(ui.EventRecord{Event: "operation", OperationID: op.GetId(), State: stateName(op.GetState()),
		Timestamp: timestamp(s.ui.Now()), Message: processName(op.GetProcessType()) + " started"})
	return op, 0, true
}

// confirm asks a yes/no question; anything but y/yes (or EOF) is no. In JSON mode the question
// goes to stderr so stdout stays JSON.
func (s *session) confirm(question string) bool {
	w := s.env.Stdout
	if s.ui.JSON {
		w = s.env.Stderr
	}
	fmt.Fprintf(w, "%s> ", question)
	line, _ := bufio.NewReader(s.env.Stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}
