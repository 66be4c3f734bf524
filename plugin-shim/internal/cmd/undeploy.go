package cmd

import (
	"context"
	"fmt"
	"strconv"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

type undeployOptions struct {
	shared
	mtaID   string
	action  actionFlags
	force   bool
	retries int
	options *pb.DeployOptions
}

func parseUndeploy(args []string) (*undeployOptions, error) {
	f := newFlags("undeploy")
	o := &undeployOptions{options: &pb.DeployOptions{}}
	o.shared.register(f)
	o.action.register(f)
	retries := strconv.Itoa(defaultRetries)
	f.fs.BoolVar(&o.force, "f", false, "")
	f.fs.StringVar(&retries, "retries", retries, "")
	f.fs.StringVar(&o.options.Namespace, "namespace", "", "")
	f.fs.BoolVar(&o.options.DeleteServices, "delete-services", false, "")
	f.fs.BoolVar(&o.options.DeleteServiceKeys, "delete-service-keys", false, "")
	f.fs.BoolVar(&o.options.NoRestartSubscribedApps, "no-restart-subscribed-apps", false, "")
	f.fs.BoolVar(&o.options.AbortOnError, "abort-on-error", false, "")
	if err := f.parse(args); err != nil {
		return nil, err
	}
	if err := o.action.validate("abort", "retry", "monitor"); err != nil {
		return nil, err
	}
	switch {
	case len(f.positional) > 1 || (len(f.positional) == 1 && o.action.given()):
		return nil, usagef("Wrong arguments")
	case len(f.positional) == 0 && !o.action.given():
		return nil, usagef(`Missing positional argument "MTA_ID"`)
	case len(f.positional) == 1:
		o.mtaID = f.positional[0]
	}
	var err error
	if o.retries, err = nonNegative("retries", retries); err != nil {
		return nil, err
	}
	if len(o.options.Namespace) > maxNamespaceLen {
		return nil, usagef("Invalid value for namespace. The namespace cannot be more than 36 symbols.")
	}
	return o, nil
}

func runUndeployCommand(ctx context.Context, env *Env, name string, args []string) int {
	o, err := parseUndeploy(args)
	if err != nil {
		return usageFailure(env, undeployMeta, wantsJSON(args), err)
	}
	return runUndeploy(ctx, newSession(env, name, o.json), o)
}

func runUndeploy(ctx context.Context, s *session, o *undeployOptions) int {
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	if o.action.given() {
		return runAction(ctx, s, o.url, o.action.id.value, o.action.action.value, o.retries)
	}
	s.summary.MtaID = o.mtaID
	if !o.force {
		if !s.confirm(fmt.Sprintf("Really undeploy multi-target app %s in org %s / space %s? (y/n)", o.mtaID, s.target.OrgName, s.target.SpaceName)) {
			s.ui.Warn("Undeploy cancelled")
			s.summary.Message = "Undeploy cancelled"
			return s.end(ui.OutcomeError, ui.ExitFailed)
		}
	}
	s.ui.Say("Undeploying multi-target app %s in org %s / space %s as %s...", o.mtaID, s.target.OrgName, s.target.SpaceName, s.target.User)
	if err := s.connect(ctx, o.url); err != nil {
		return s.fail(err)
	}
	_, err := s.eng.GetMta(ctx, &pb.GetMtaRequest{Target: s.target.Proto(), MtaId: o.mtaID, Namespace: o.options.GetNamespace()})
	if engine.IsNotFound(err) {
		if ns := o.options.GetNamespace(); ns != "" {
			return s.fail(fmt.Errorf("Multi-target app %s with namespace %s not found", o.mtaID, ns))
		}
		return s.fail(fmt.Errorf("Multi-target app %s not found", o.mtaID))
	}
	if err != nil {
		return s.fail(err)
	}
	op, code, ok := s.start(ctx, &pb.StartOperationRequest{
		Target:           s.target.Proto(),
		ProcessType:      pb.ProcessType_PROCESS_TYPE_UNDEPLOY,
		MtaId:            o.mtaID,
		Options:          o.options,
		AbortConflicting: o.force,
	})
	if !ok {
		return code
	}
	return s.newFollower(o.retries).follow(ctx, op, 0)
}
