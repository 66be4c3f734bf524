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

type flagKind int

const (
	boolFlag   flagKind = iota // --name (or --name=false)
	stringFlag                 // --name VALUE; the last one given wins
	listFlag                   // --name A --name B,C: repeatable, commas separate items too
	repeatFlag                 // --name "A, B" --name C: repeatable, each value one item as typed
)

// flagValue is what the user typed for one flag.
type flagValue struct {
	kind  flagKind
	on    bool     // bool flags
	raw   string   // string flags: the last value given, else the flag's default
	items []string // list and repeat flags
	times int      // how often it was given (-i and -a only once)
	typed string   // the name it was given under (-t or --apps-start-timeout): errors name it
}

func (v *flagValue) given() bool { return v.times > 0 }

// errParse is the flag package's own text for a bad boolean ("invalid boolean value ... : parse error").
var errParse = errors.New("parse error")

// binding registers a flagValue under one name; two names may share a value.
type binding struct {
	v    *flagValue
	name string
}

func (b binding) IsBoolFlag() bool { return b.v.kind == boolFlag }

func (b binding) String() string {
	if b.v == nil {
		return ""
	}
	return b.v.raw
}

func (b binding) Set(s string) error {
	v := b.v
	switch v.kind {
	case boolFlag:
		on, err := strconv.ParseBool(s)
		if err != nil {
			return errParse
		}
		v.on = on
	case listFlag:
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				v.items = append(v.items, item)
			}
		}
	case repeatFlag:
		v.items = append(v.items, s)
	default:
		v.raw = s
	}
	v.times++
	v.typed = b.name
	return nil
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
