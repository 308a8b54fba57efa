package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/describe"
)

// Slack's Block Kit limits, and Vigil's own budget for a whole message
// (Slack rejects messages whose blocks hold much more than ~13,000
// characters in total with msg_blocks_too_long, below any documented
// per-block limit).
const (
	MaxBlocks        = 50
	MaxSectionText   = 3000
	MaxFieldText     = 2000
	MaxFields        = 10
	MaxHeaderText    = 150
	MaxContextElems  = 10
	MaxTotalText     = 12000
	maxFallbackText  = 500
	maxTitle         = 300
	maxDescription   = 1200
	maxMeaning       = 1000
	maxSteps         = 1800
	maxStep          = 400
	maxLink          = 1000
	maxDigestLineRes = 80
)

// Color returns the attachment colour of a severity band.
func Color(l finding.Level) string { return describe.Color(l) }

// payload is the JSON body an incoming webhook takes: a fallback text and
// one attachment coloured by severity holding Block Kit blocks.
type payload struct {
	Text        string       `json:"text"`
	Attachments []attachment `json:"attachments"`
}

// attachment is a secondary attachment: the colour bar and the blocks.
type attachment struct {
	Color    string  `json:"color"`
	Fallback string  `json:"fallback"`
	Blocks   []block `json:"blocks"`
}

// block is a Block Kit layout block (header, section, context, divider).
type block struct {
	Type     string       `json:"type"`
	Text     *textObject  `json:"text,omitempty"`
	Fields   []textObject `json:"fields,omitempty"`
	Elements []textObject `json:"elements,omitempty"`
}

// textObject is a text object: "plain_text" or "mrkdwn".
type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Payload renders m as the JSON body Send posts.
func (s *Slack) Payload(m notify.Message) ([]byte, error) {
	if len(m.Findings) == 0 {
		return nil, errors.New("message has no findings")
	}
	var p payload
	if m.Digest || len(m.Findings) > 1 {
		p = s.digest(m)
	} else {
		p = s.single(m, m.Findings[0])
	}
	return json.Marshal(p)
}

func (s *Slack) single(m notify.Message, f finding.Finding) payload {
	level := finding.LevelOf(f.Severity)
	fallback := fmt.Sprintf("[%s] %s", level, f.Type)
	if m.Update {
		fallback = fmt.Sprintf("[%s] updated (count %d): %s", level, f.Service.Count, f.Type)
	}
	if w := describe.Where(f); w != "" {
		fallback += " in " + w
	}
	fallback += ": " + f.Title
	fallback = esc(fallback, maxFallbackText)

	var b budget
	b.header(level.String() + ": " + f.Type)
	title := "*" + esc(f.Title, maxTitle) + "*"
	if m.Update {
		title = ":arrows_counterclockwise: *Updated (count " + strconv.Itoa(f.Service.Count) + ")*\n" + title
	}
	if f.Description != "" {
		title += "\n" + esc(f.Description, maxDescription)
	}
	b.section(title)
	b.fields(fields(
		"Severity", fmt.Sprintf("%s (%g)", level, f.Severity),
		"Resource", describe.Resource(f),
		"Account", f.AccountID,
		"Region", f.Region,
		"Count", strconv.Itoa(f.Service.Count),
		"First seen", describe.Time(f.Service.EventFirstSeen),
		"Last seen", describe.Time(f.Service.EventLastSeen),
	)...)
	ref := "Finding ID `" + esc(f.ID, 100) + "`"
	if u := describe.FindingURL(m.ConsoleURL, f.ID); u != "" && len(u) <= maxLink {
		ref = link(u, "View the finding in the Vigil console") + " · " + ref
	}
	b.context(ref)
	s.runbookBlocks(&b, f.Type)
	return payload{Text: fallback, Attachments: []attachment{{Color: Color(level), Fallback: fallback, Blocks: b.blocks}}}
}

func (s *Slack) runbookBlocks(b *budget, typ string) {
	rb, ok := s.opts.Runbook(typ)
	if !ok && describe.OwnType(typ) {
		return
	}
	if !ok {
		b.context("No runbook for " + esc(typ, 120) + " yet.")
		return
	}
	b.divider()
	if rb.Meaning != "" {
		b.section("*What it means*\n" + esc(rb.Meaning, maxMeaning))
	}
	if len(rb.Investigate) > 0 {
		b.section("*How to investigate*\n" + steps(rb.Investigate, maxSteps))
	}
	if len(rb.Respond) > 0 {
		b.section("*How to respond*\n" + steps(rb.Respond, maxSteps))
	}
}

// steps numbers steps, one a line, within limit characters.
func steps(list []string, limit int) string {
	var sb strings.Builder
	for i, st := range list {
		line := strconv.Itoa(i+1) + ". " + esc(st, maxStep)
		if sb.Len()+len(line)+3 > limit {
			sb.WriteString("…")
			break
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// fields formats label, value pairs as "*Label*\nvalue", leaving out
// empty values.
func fields(kv ...string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out = append(out, "*"+kv[i]+"*\n"+esc(kv[i+1], 300))
		}
	}
	return out
}

// esc returns s on one line, escaped for mrkdwn, in at most n
// characters after escaping.
func esc(s string, n int) string {
	if n <= 0 {
		return ""
	}
	full := escape(describe.Clean(s, len(s)+1)) // one line, no control characters
	if utf8.RuneCountInString(full) <= n {
		return full
	}
	var sb strings.Builder
	used := 0
	for _, r := range describe.Clean(s, len(s)+1) {
		e := escape(string(r))
		w := utf8.RuneCountInString(e)
		if used+w > n-1 {
			break
		}
		sb.WriteString(e)
		used += w
	}
	sb.WriteString("…")
	return sb.String()
}

// escape escapes the three characters Slack's mrkdwn gives meaning to,
// so finding content can neither mention anyone (<!channel>) nor make a
// link (<https://…|…>).
func escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// link is a mrkdwn link to u showing label.
func link(u, label string) string {
	u = strings.NewReplacer("|", "%7C", " ", "%20").Replace(u)
	return "<" + escape(u) + "|" + escape(label) + ">"
}
