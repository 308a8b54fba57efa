package email

import (
	htmltemplate "html/template"
	"strconv"
	texttemplate "text/template"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/describe"
)

// view is what the text and HTML templates show; every string from a
// finding is cleaned and bounded here.
type view struct {
	Digest  bool
	Update  bool
	Level   string
	Color   string
	Heading string
	// A single finding.
	Title       string
	Description string
	Fields      [][2]string
	Link        string
	Runbook     *runbookView
	NoRunbook   string
	// A digest.
	Groups []groupView
	More   int
	All    string // the console's findings page
}

type runbookView struct {
	Meaning     string
	Investigate []string
	Respond     []string
}

type groupView struct {
	Type  string
	Lines []lineView
}

type lineView struct {
	Level, Resource, Where, Count, ID, Link string
}

func (e *Email) view(m notify.Message) view {
	if isDigest(m) {
		return e.digestView(m)
	}
	f := m.Findings[0]
	level := finding.LevelOf(f.Severity)
	v := view{
		Update:      m.Update,
		Level:       level.String(),
		Color:       describe.Color(level),
		Heading:     level.String() + " severity finding: " + describe.Clean(f.Type, 200),
		Title:       describe.Clean(f.Title, maxTitle),
		Description: describe.Clean(f.Description, maxDescription),
		Link:        describe.FindingURL(m.ConsoleURL, f.ID),
	}
	for _, kv := range [][2]string{
		{"Severity", level.String() + " (" + strconv.FormatFloat(f.Severity, 'g', -1, 64) + ")"},
		{"Type", describe.Clean(f.Type, 200)},
		{"Resource", describe.Resource(f)},
		{"Account", describe.Clean(f.AccountID, maxField)},
		{"Region", describe.Clean(f.Region, maxField)},
		{"Count", strconv.Itoa(f.Service.Count)},
		{"First seen", describe.Time(f.Service.EventFirstSeen)},
		{"Last seen", describe.Time(f.Service.EventLastSeen)},
		{"Finding ID", describe.Clean(f.ID, 100)},
	} {
		if kv[1] != "" {
			v.Fields = append(v.Fields, kv)
		}
	}
	if m.Update {
		v.Heading = "Updated (count " + strconv.Itoa(f.Service.Count) + "): " + v.Heading
	}
	if rb, ok := e.opts.Runbook(f.Type); ok {
		v.Runbook = &runbookView{Meaning: describe.Clean(rb.Meaning, 4000)}
		for _, s := range rb.Investigate {
			v.Runbook.Investigate = append(v.Runbook.Investigate, describe.Clean(s, maxStep))
		}
		for _, s := range rb.Respond {
			v.Runbook.Respond = append(v.Runbook.Respond, describe.Clean(s, maxStep))
		}
	} else if !describe.OwnType(f.Type) {
		v.NoRunbook = "No runbook for " + describe.Clean(f.Type, 200) + " yet."
	}
	return v
}

func (e *Email) digestView(m notify.Message) view {
	total := len(m.Findings) + max(m.Omitted, 0)
	level := describe.Highest(m.Findings)
	groups, left := describe.Top(m.Findings, e.opts.DigestMax)
	v := view{
		Digest:  true,
		Level:   level.String(),
		Color:   describe.Color(level),
		Heading: "Vigil digest: " + plural(total, "finding") + ", highest severity " + level.String(),
		More:    left + max(m.Omitted, 0),
		All:     describe.FindingURL(m.ConsoleURL, ""),
	}
	for _, g := range groups {
		gv := groupView{Type: describe.Clean(g.Type, 200)}
		for _, f := range g.Findings {
			gv.Lines = append(gv.Lines, lineView{
				Level:    finding.LevelOf(f.Severity).String(),
				Resource: describe.Resource(f),
				Where:    describe.Where(f),
				Count:    strconv.Itoa(f.Service.Count),
				ID:       describe.Clean(f.ID, 100),
				Link:     describe.FindingURL(m.ConsoleURL, f.ID),
			})
		}
		v.Groups = append(v.Groups, gv)
	}
	return v
}

var funcs = map[string]any{"inc": func(i int) int { return i + 1 }}

var textTemplate = texttemplate.Must(texttemplate.New("text").Funcs(funcs).Parse(`{{.Heading}}
{{if .Digest}}
{{range .Groups}}
{{.Type}} ({{len .Lines}})
{{range .Lines}}  - {{.Level}} | {{.Resource}} | {{.Where}} | count {{.Count}} | {{if .Link}}{{.Link}}{{else}}{{.ID}}{{end}}
{{end}}{{end}}{{if .More}}
...and {{.More}} more{{if .All}}: {{.All}}{{end}}
{{end}}{{else}}
{{.Title}}
{{if .Description}}
{{.Description}}
{{end}}
{{range .Fields}}{{printf "%-11s" (index . 0)}} {{index . 1}}
{{end}}{{if .Link}}Console     {{.Link}}
{{end}}{{with .Runbook}}
WHAT IT MEANS
{{.Meaning}}
{{if .Investigate}}
HOW TO INVESTIGATE
{{range $i, $s := .Investigate}}{{inc $i}}. {{$s}}
{{end}}{{end}}{{if .Respond}}
HOW TO RESPOND
{{range $i, $s := .Respond}}{{inc $i}}. {{$s}}
{{end}}{{end}}{{else}}{{with .NoRunbook}}
{{.}}
{{end}}{{end}}{{end}}
-- 
Sent by Vigil.
`))

var htmlTemplate = htmltemplate.Must(htmltemplate.New("html").Funcs(funcs).Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; font-size: 14px; color: #16191f">
<div style="border-left: 6px solid {{.Color}}; padding-left: 12px">
<h2 style="margin: 0 0 8px 0">{{.Heading}}</h2>
{{if .Digest}}
{{range .Groups}}<h3>{{.Type}} ({{len .Lines}})</h3>
<table cellpadding="4" style="border-collapse: collapse">
{{range .Lines}}<tr><td><b>{{.Level}}</b></td><td>{{.Resource}}</td><td>{{.Where}}</td><td>count {{.Count}}</td><td>{{if .Link}}<a href="{{.Link}}">open</a>{{else}}<code>{{.ID}}</code>{{end}}</td></tr>
{{end}}</table>
{{end}}{{if .More}}<p>…and {{.More}} more{{if .All}} — <a href="{{.All}}">see all findings in the Vigil console</a>{{end}}</p>{{end}}
{{else}}
<p><b>{{.Title}}</b></p>
{{if .Description}}<p>{{.Description}}</p>{{end}}
<table cellpadding="4" style="border-collapse: collapse">
{{range .Fields}}<tr><th align="left">{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Link}}<p><a href="{{.Link}}">View the finding in the Vigil console</a></p>{{end}}
{{with .Runbook}}
<h3>What it means</h3>
<p>{{.Meaning}}</p>
{{if .Investigate}}<h3>How to investigate</h3>
<ol>{{range .Investigate}}<li>{{.}}</li>{{end}}</ol>{{end}}
{{if .Respond}}<h3>How to respond</h3>
<ol>{{range .Respond}}<li>{{.}}</li>{{end}}</ol>{{end}}
{{else}}{{with .NoRunbook}}<p><i>{{.}}</i></p>{{end}}{{end}}
{{end}}
</div>
<p style="color: #687078; font-size: 12px">Sent by Vigil.</p>
</body></html>
`))
