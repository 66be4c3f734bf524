package ui

import (
	"strings"
	"unicode/utf8"
)

// Table prints rows in the cf CLI's layout: left-aligned columns, three spaces apart, the
// header first (bold on a terminal).
func (u *UI) Table(header []string, rows [][]string) {
	if u.JSON {
		return
	}
	widths := make([]int, len(header))
	all := append([][]string{header}, rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) && utf8.RuneCountInString(c) > widths[i] {
				widths[i] = utf8.RuneCountInString(c)
			}
		}
	}
	for n, r := range all {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+3))
		}
		line := strings.TrimRight(b.String(), " ")
		if n == 0 {
			line = u.paint(line, "1")
		}
		u.Say(line)
	}
}
