package cmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// usageError is a wrong flag or argument: printed as "Incorrect usage. <msg>" plus the
// command's usage, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flags wraps a flag.FlagSet (single or double dash, as the official plugin) and, unlike it,
// accepts positional arguments before, between and after the flags.
type flags struct {
	fs         *flag.FlagSet
	positional []string
}

func newFlags(name string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{fs: fs}
}

func (f *flags) parse(args []string) error {
	for {
		if err := f.fs.Parse(args); err != nil {
			return translateFlagError(err, args)
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			return nil
		}
		f.positional = append(f.positional, rest[0])
		args = rest[1:]
	}
}

// translateFlagError puts the flag package's errors in the official plugin's words, naming the
// flag as the user typed it (--bogus, not -bogus).
func translateFlagError(err error, args []string) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		return usagef("Unknown or wrong flags: %s", typedFlag(args, strings.TrimPrefix(msg, "flag provided but not defined: ")))
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return usagef("Missing value for option %s", typedFlag(args, strings.TrimPrefix(msg, "flag needs an argument: ")))
	case errors.Is(err, flag.ErrHelp):
		return usagef("Unknown or wrong flags: -help")
	}
	return usagef("Parsing of arguments has failed: %s", msg)
}

// typedFlag finds how the user wrote the flag the flag package reports as "-name".
func typedFlag(args []string, reported string) string {
	name := strings.TrimLeft(reported, "-")
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && strings.SplitN(strings.TrimLeft(a, "-"), "=", 2)[0] == name {
			return strings.SplitN(a, "=", 2)[0]
		}
	}
	return reported
}

// counted is a string flag that remembers how often it was given (-i and -a only once).
type counted struct {
	value string
	times int
}

func (c *counted) String() string { return c.value }
func (c *counted) Set(v string) error {
	c.value = v
	c.times++
	return nil
}

// list is a repeatable flag (-m A -m B); commas inside a value also separate items.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }
func (l *list) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// shared is what every command accepts: -u and --json.
type shared struct {
	url  string
	json bool
}

func (s *shared) register(f *flags) {
	f.fs.StringVar(&s.url, "u", "", "")
	f.fs.BoolVar(&s.json, "json", false, "")
}

// wantsJSON tells before parsing whether --json was given, so that even a usage error is
// reported as JSON.
func wantsJSON(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--json" || a == "-json" || a == "--json=true" || a == "-json=true" {
			return true
		}
	}
	return false
}

// nonNegative parses an integer option value (--retries, --last).
func nonNegative(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, usagef("Invalid value for %s: %s. Value must be a non-negative integer.", name, v)
	}
	return n, nil
}

// actionFlags are -i OPERATION_ID -a ACTION of deploy, bg-deploy and undeploy.
type actionFlags struct {
	id, action counted
}

func (a *actionFlags) register(f *flags) {
	f.fs.Var(&a.id, "i", "")
	f.fs.Var(&a.action, "a", "")
}

// validate checks the pair; allowed lists the actions of the command.
func (a *actionFlags) validate(allowed ...string) error {
	if a.id.times == 0 && a.action.times == 0 {
		return nil
	}
	if a.id.times == 0 || a.action.times == 0 || a.id.value == "" || a.action.value == "" {
		return usagef("All the a i options should be specified together")
	}
	if a.id.times > 1 || a.action.times > 1 {
		return usagef("Options i and a should be specified only once")
	}
	for _, ok := range allowed {
		if a.action.value == ok {
			return nil
		}
	}
	return usagef("Invalid action %s", a.action.value)
}

func (a *actionFlags) given() bool { return a.id.times > 0 }
