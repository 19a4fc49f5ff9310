package timeline

import (
	"bytes"
	"html/template"

	"github.com/temporalsim/temporalsim/sim"
)

// HTML returns a self-contained HTML page (no scripts, fonts or
// anything fetched from the network) that draws the run on its virtual
// time axis. The page depends only on the result, so the same seed gives
// the same bytes.
func HTML(r *sim.Result, repro string) []byte {
	var buf bytes.Buffer
	data := struct {
		*timeline
		Legend []legendItem
	}{layout(r, repro), legend()}
	if err := timelineTemplate.Execute(&buf, data); err != nil {
		// The template and its data are ours: an error is a bug here.
		panic("timeline: rendering: " + err.Error())
	}
	return buf.Bytes()
}

type legendItem struct{ Kind, Class, Symbol, Text string }

func legend() []legendItem {
	items := []legendItem{
		{"bar", "span r-ok", "", "attempt / workflow ended ok"},
		{"bar", "span r-error", "", "ended with an error"},
		{"bar", "span r-timeout", "", "timed out"},
		{"bar", "span r-canceled", "", "cancelled"},
		{"bar", "span r-ok hit", "", "outlined: a fault hit it"},
		{"bar", "span open", "", "never ended"},
		{"bar", "backoff", "", "retry backoff"},
		{"bar", "grace", "", "worker shutdown grace period"},
	}
	for _, s := range markStyles {
		items = append(items, legendItem{"mark", s.class, s.symbol, s.legend})
	}
	return items
}

var timelineTemplate = template.Must(template.New("timeline").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Scenario}} seed {{.Seed}} — temporalsim timeline</title>
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; margin: 0 0 6px; }
.meta { margin: 0 0 10px; }
.meta code, pre { font: 12px ui-monospace, monospace; }
.violations { color: #b00020; }
.timeline { border: 1px solid #ccc; padding: 4px 8px 8px; }
.lane { display: flex; align-items: center; border-bottom: 1px solid #eee; min-height: 30px; }
.label { width: 260px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 8px; font-size: 12px; }
.track { position: relative; flex: 1; height: 30px; margin-right: 40px; }
.axis .track { height: 18px; }
.tick { position: absolute; top: 0; font-size: 11px; color: #666; border-left: 1px solid #bbb; padding-left: 2px; height: 16px; }
.bar { position: absolute; top: 14px; height: 12px; min-width: 2px; border-radius: 2px; box-sizing: border-box; }
.span.r-ok { background: #4caf50; }
.span.r-error { background: #e53935; }
.span.r-timeout { background: #fb8c00; }
.span.r-canceled { background: #9e9e9e; }
.span.open { background: repeating-linear-gradient(45deg, #90a4ae, #90a4ae 4px, #cfd8dc 4px, #cfd8dc 8px); }
.span.hit { box-shadow: 0 0 0 2px #b00020; }
.grace { background: #ffcdd2; border: 1px solid #b00020; top: 16px; height: 8px; }
.backoff { background: transparent; border: 1px dashed #888; top: 17px; height: 6px; }
.mark { position: absolute; top: -1px; transform: translateX(-50%); font-size: 13px; line-height: 16px; cursor: default; }
.mark.fault { color: #b00020; font-weight: bold; }
.mark.cancel { color: #6a1b9a; }
.mark.signal, .mark.update, .mark.query { color: #1565c0; }
.mark.timer { color: #00838f; }
.mark.schedule { color: #555; }
.mark.lost { color: #b00020; }
.mark.stuck { color: #000; }
.mark.r-ok { color: #2e7d32; }
.mark.r-error { color: #e53935; }
.mark.r-timeout { color: #fb8c00; }
.mark.r-canceled { color: #757575; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0; }
.legend .item { display: flex; align-items: center; gap: 6px; }
.legend .bar, .legend .mark { position: static; display: inline-block; transform: none; }
.legend .bar { width: 28px; }
details { margin-top: 12px; }
</style>
</head>
<body>
<h1>{{.Scenario}} — seed {{.Seed}}</h1>
<div class="meta">
<div>outcome: <b>{{.Outcome}}</b> after {{.Elapsed}} of virtual time{{if .Config}}; swarm config: <code>{{.Config}}</code>{{end}}</div>
<div>reproduce: <code>{{.Repro}}</code></div>
<div>trace sha256: <code>{{.SHA256}}</code></div>
{{if .Violations}}<div class="violations"><b>{{len .Violations}} violations:</b><ul>{{range .Violations}}<li>{{.}}</li>{{end}}</ul></div>
{{else}}<div>all properties held</div>{{end}}
<div>plan ({{len .Plan}} faults):{{if .Plan}}<pre>{{range .Plan}}{{.}}
{{end}}</pre>{{else}} none{{end}}</div>
</div>
<div class="timeline" id="timeline">
<div class="lane axis"><div class="label">virtual time</div><div class="track">{{range .Ticks}}<span class="tick" style="left:{{.Left}}%">{{.Label}}</span>{{end}}</div></div>
{{range .Lanes}}<div class="lane" data-kind="{{.Kind}}" data-id="{{.ID}}"><div class="label" title="{{.Label}}">{{.Label}}</div><div class="track">
{{- range .Bars}}<div class="bar {{.Class}}" style="left:{{.Left}}%;width:{{.Width}}%" title="{{.Title}}"></div>{{end}}
{{- range .Marks}}<span class="mark {{.Class}}" style="left:{{.Left}}%"{{if .Fault}} data-fault="{{.Fault}}"{{end}} title="{{.Title}}">{{.Symbol}}</span>{{end -}}
</div></div>
{{end}}</div>
<div class="legend" id="legend">{{range .Legend}}<span class="item">{{if eq .Kind "bar"}}<span class="bar {{.Class}}"></span>{{else}}<span class="mark {{.Class}}">{{.Symbol}}</span>{{end}}{{.Text}}</span>{{end}}</div>
<details><summary>trace ({{len .Trace}} events)</summary><pre>{{range .Trace}}{{.}}
{{end}}</pre></details>
</body>
</html>
`))
