package slack

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/describe"
)

// budget collects blocks within Slack's per-block limits, MaxBlocks and
// MaxTotalText characters of text in all. Text that does not fit is cut;
// blocks that do not fit are dropped.
type budget struct {
	blocks []block
	used   int
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// room is how many characters the message can still take.
func (b *budget) room() int { return MaxTotalText - b.used }

func (b *budget) add(blk block, n int) {
	if len(b.blocks) >= MaxBlocks {
		return
	}
	b.blocks = append(b.blocks, blk)
	b.used += n
}

func (b *budget) header(s string) {
	s = describe.Clean(s, min(MaxHeaderText, b.room()))
	if s == "" {
		return
	}
	b.add(block{Type: "header", Text: &textObject{Type: "plain_text", Text: s}}, chars(s))
}

func (b *budget) section(s string) {
	s = cutMrkdwn(s, min(MaxSectionText, b.room()))
	if s == "" {
		return
	}
	b.add(block{Type: "section", Text: &textObject{Type: "mrkdwn", Text: s}}, chars(s))
}

func (b *budget) fields(fs ...string) {
	blk := block{Type: "section"}
	n := 0
	for _, f := range fs[:min(len(fs), MaxFields)] {
		f = cutMrkdwn(f, min(MaxFieldText, b.room()-n))
		if f == "" {
			break
		}
		blk.Fields = append(blk.Fields, textObject{Type: "mrkdwn", Text: f})
		n += chars(f)
	}
	if len(blk.Fields) > 0 {
		b.add(blk, n)
	}
}

func (b *budget) context(s string) {
	s = cutMrkdwn(s, min(MaxSectionText, b.room()))
	if s == "" {
		return
	}
	b.add(block{Type: "context", Elements: []textObject{{Type: "mrkdwn", Text: s}}}, chars(s))
}

func (b *budget) divider() { b.add(block{Type: "divider"}, 0) }

// cutMrkdwn cuts escaped mrkdwn text to at most n characters without
// splitting an entity (&amp;) or a link (<…|…>), ending it with "…".
func cutMrkdwn(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if chars(s) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	cut := s
	for i := range s {
		if n--; n == 0 { // keep n-1 characters, then "…"
			cut = s[:i]
			break
		}
	}
	if lt := strings.LastIndexByte(cut, '<'); lt > strings.LastIndexByte(cut, '>') {
		cut = cut[:lt]
	}
	if amp := strings.LastIndexByte(cut, '&'); amp >= 0 && !strings.Contains(cut[amp:], ";") {
		cut = cut[:amp]
	}
	return cut + "…"
}

// digest lists the findings of m by type, most severe first, within
// Opts.DigestMax and Slack's limits; what does not fit is counted in a
// closing "…and N more".
func (s *Slack) digest(m notify.Message) payload {
	total := len(m.Findings) + max(m.Omitted, 0)
	level := describe.Highest(m.Findings)
	groups, left := describe.Top(m.Findings, s.opts.DigestMax)
	left += max(m.Omitted, 0)
	fallback := esc(fmt.Sprintf("Vigil digest: %s, highest severity %s", plural(total, "finding"), level), maxFallbackText)

	var b budget
	b.header("Vigil digest: " + plural(total, "finding"))
	ctx := "Highest severity *" + level.String() + "*"
	if m.Route != "" {
		ctx += " · route `" + esc(m.Route, 100) + "`"
	}
	b.context(ctx)

	const reserve = 400 // characters kept for the closing context
	stop := false
	for _, g := range groups {
		head := "*" + esc(g.Type, 200) + "* (" + strconv.Itoa(len(g.Findings)) + ")"
		sec := head
		for _, f := range g.Findings {
			line := digestLine(m, f)
			if stop || b.room()-chars(sec)-chars(line)-1 < reserve || len(b.blocks)+2 >= MaxBlocks {
				stop = true
				left++
				continue
			}
			if chars(sec)+1+chars(line) > MaxSectionText {
				b.section(sec)
				sec = head + " continued"
			}
			sec += "\n" + line
		}
		if sec != head {
			b.section(sec)
		}
	}
	if left > 0 {
		more := "…and " + strconv.Itoa(left) + " more"
		if u := describe.FindingURL(m.ConsoleURL, ""); u != "" && len(u) <= maxLink {
			more += " · " + link(u, "See all findings in the Vigil console")
		}
		b.context(more)
	}
	return payload{Text: fallback, Attachments: []attachment{{Color: Color(level), Fallback: fallback, Blocks: b.blocks}}}
}

// digestLine is one finding of a digest: severity, resource, count and
// a link to it (or its id when there is no console).
func digestLine(m notify.Message, f finding.Finding) string {
	line := "• *" + finding.LevelOf(f.Severity).String() + "* · " + esc(describe.Resource(f), maxDigestLineRes) +
		" · " + esc(describe.Where(f), 61) + " · count " + strconv.Itoa(f.Service.Count)
	if u := describe.FindingURL(m.ConsoleURL, f.ID); u != "" && len(u) <= maxLink {
		return line + " · " + link(u, "open")
	}
	return line + " · `" + esc(f.ID, 64) + "`"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
