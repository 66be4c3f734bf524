package cmd

import (
	"fmt"
	"sort"
	"strings"

	"code.cloudfoundry.org/cli/v8/plugin"
)

// usageForm is one way to call a command, as its usage shows it. line lists the operands and
// flags after "cf NAME", e.g. "MTA [-e] [-u] [--json]"; each flag is shown with its value
// placeholder from the flag table ("[-e EXT_DESCRIPTOR[,...]]").
type usageForm struct {
	caption string // a line above the form ("Perform action on an active deploy operation")
	prefix  string // shown before "cf NAME" ("<write MTA archive URL to STDOUT> |")
	line    string
}

// usageText renders the command's usage forms.
func (cmd *command) usageText() string {
	var b strings.Builder
	for i, form := range cmd.usage {
		if i > 0 {
			b.WriteString("\n\n   ")
			if form.caption != "" {
				b.WriteString(form.caption + "\n   ")
			}
		}
		if form.prefix != "" {
			b.WriteString(form.prefix + " ")
		}
		b.WriteString("cf " + cmd.name)
		for _, tok := range strings.Fields(form.line) {
			b.WriteString(" " + expandUsageToken(tok))
		}
	}
	return b.String()
}

// expandUsageToken adds the placeholder to a flag ("[-t]" -> "[-t TIMEOUT]"); operands stay.
func expandUsageToken(tok string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(tok, "["), "]")
	spec := specNamed(usageFlagName(tok))
	if spec == nil || spec.placeholder == "" {
		return tok
	}
	return strings.Replace(tok, inner, inner+" "+spec.placeholder, 1)
}

// usageFlagName is the flag a usage token names ("[--json]" -> "json"), "" for an operand.
func usageFlagName(tok string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(tok, "["), "]")
	if !strings.HasPrefix(inner, "-") {
		return ""
	}
	return strings.TrimLeft(inner, "-")
}

// helpText renders a command's help as `cf help <command>` shows it, for usage errors.
func helpText(c plugin.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME:\n   %s - %s\n\n", c.Name, c.HelpText)
	if c.Alias != "" {
		fmt.Fprintf(&b, "ALIAS:\n   %s\n\n", c.Alias)
	}
	fmt.Fprintf(&b, "USAGE:\n   %s\n", c.UsageDetails.Usage)
	if len(c.UsageDetails.Options) > 0 {
		names := make([]string, 0, len(c.UsageDetails.Options))
		width := 0
		for n := range c.UsageDetails.Options {
			names = append(names, n)
			if l := len(dashed(n)); l > width {
				width = l
			}
		}
		sort.Strings(names)
		b.WriteString("\nOPTIONS:\n")
		for _, n := range names {
			fmt.Fprintf(&b, "   %-*s   %s\n", width, dashed(n), c.UsageDetails.Options[n])
		}
	}
	return b.String()
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
