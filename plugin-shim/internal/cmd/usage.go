package cmd

import (
	"fmt"
	"sort"
	"strings"

	"code.cloudfoundry.org/cli/v8/plugin"
)

var sprintf = fmt.Sprintf

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
