import WeaveIR

/// A self-contained HTML report (`weave check --html FILE`): the trace as a sequence
/// diagram, a step slider showing the full state at each step (changed variables
/// marked), the verdict and the run's figures. One file, inline CSS and script, no
/// network access. `#step=N` (or `#step=last`) in the URL selects a step on load.
public enum Html {
    public static func render(model: Model, result r: CheckResult, trace t: Trace?, violation v: Violation?,
                              branches: (any StepBranches)?) -> String {
        let view = StateView(model: model)
        let reporter = Reporter(model: model, branches: branches)
        var data: [(String, JSON)] = [
            ("model", .string(model.name)),
            ("settings", .string(reporter.settingsText)),
            ("verdict", .string(reporter.verdictName(r.verdict))),
        ]
        if let v {
            data.append(("message", .string(v.message)))
            data.append(("location", .string(v.locationText ?? "")))
            data.append(("failsInside", .bool(v.failedInsideStep)))
        } else if case .incomplete(let reason) = r.verdict {
            data.append(("message", .string("incomplete: " + reason)))
        } else {
            data.append(("message", .string("every checked property holds in all \(r.statistics.distinct) reachable states")))
        }
        let s = r.statistics
        data.append(("figures", .array([
            .array([.string("states generated"), .string(String(s.generated))]),
            .array([.string("distinct states"), .string(String(s.distinct))]),
            .array([.string("depth"), .string(String(s.depth))]),
            .array([.string("time"), .string(reporter.fmt(s.elapsedSeconds) + " s")]),
            .array([.string("memory"), .string(reporter.fmt(Double(s.memoryBytes) / 1048576) + " MiB")]),
        ])))
        if let t, !t.states.isEmpty {
            let notes = StepNotes(model: model, trace: t, branches: branches)
            data.append(("participants", .array(notes.participants.map { .string($0) })))
            data.append(("names", .array(view.layout.entries.map { .string($0.name) })))
            data.append(("states", .array(t.states.map { st in .array(view.variables(st).map { .string($0.1) }) })))
            data.append(("steps", .array(notes.notes.enumerated().map { i, n in
                .object([("column", .int(Int64(n.column))), ("label", .string(n.label)), ("text", .string(n.text)),
                         ("name", .string(t.steps[i].name)),
                         ("changes", .array(n.changes.map { .string($0) }))])
            })))
            if let l = t.loopStart { data.append(("loopStart", .int(Int64(l)))) }
        }
        // `</` inside a script element would end it; JSON allows `<\/`.
        let json = JSON.object(data).serialized().replacingAll("</", with: "<\\/")
        return pageHead(title: "weave: \(model.name)",
                        policy: "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
            + page.replacingAll("@@DATA@@", with: json)
    }

    /// The top of a self-contained weave page (this report, and `weave explore --serve`'s),
    /// up to its own style rules: its content security policy, its title (escaped here),
    /// and the rules every weave page starts with.
    public static func pageHead(title: String, policy: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(policy)">
        <title>\(xmlEscape(title))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        h1 { font-size: 1.3em; margin: 0 0 .3em; }

        """
    }

    /// The report after `pageHead`.
    static let page = #"""
.verdict { padding: .5em .8em; border-radius: 4px; margin-bottom: 1em; }
.violated { background: #fde2e2; border: 1px solid #e0a0a0; }
.holds { background: #e2f5e2; border: 1px solid #a0d0a0; }
.incomplete { background: #fff4d6; border: 1px solid #e0c880; }
.main { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
table { border-collapse: collapse; }
td, th { padding: 2px 8px; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; }
#diagram th { border-bottom: 2px solid #888; text-align: left; }
#diagram td.lane { border-left: 1px solid #ccc; min-width: 14em; }
#diagram tr.step { cursor: pointer; }
#diagram tr.current td { background: #fff3b0; }
#diagram tr.future td { color: #aaa; }
#diagram .label { font-weight: bold; }
#diagram .change { color: #0a5; padding-left: 1em; }
#diagram .fail { color: #c00; font-weight: bold; }
#state td:first-child { color: #555; }
#state tr.changed td { background: #d8f5d8; font-weight: bold; }
.controls { margin: .5em 0 1em; }
#slider { width: 24em; vertical-align: middle; }
#figures td:first-child { color: #555; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="settings"></div>
<div id="verdict" class="verdict"></div>
<div class="controls" id="controls">
  <button id="prev" type="button">&#9664;</button>
  <input id="slider" type="range" min="0" max="0" value="0">
  <button id="next" type="button">&#9654;</button>
  <span id="position"></span>
</div>
<div class="main">
  <div><h2>Trace</h2><table id="diagram"></table></div>
  <div><h2>State</h2><table id="state"></table></div>
  <div><h2>Figures</h2><table id="figures"></table></div>
</div>
<script id="weave-data" type="application/json">@@DATA@@</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("weave-data").textContent);
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
document.getElementById("title").textContent = "weave: " + data.model;
document.getElementById("settings").textContent = data.settings;
const verdict = document.getElementById("verdict");
verdict.classList.add(data.verdict);
verdict.textContent = data.verdict.toUpperCase() + ": " + data.message + (data.location ? " (at " + data.location + ")" : "");
for (const [k, v] of data.figures) { const tr = el("tr"); tr.append(el("td", "", k), el("td", "", v)); document.getElementById("figures").append(tr); }
const steps = data.steps || [], states = data.states || [], names = data.names || [], lanes = data.participants || [];
const slider = document.getElementById("slider");
slider.max = String(Math.max(0, states.length - 1));
const diagram = document.getElementById("diagram");
const head = el("tr"); head.append(el("th", "", "#"));
for (const p of lanes) head.append(el("th", "", p));
diagram.append(head);
const rows = [];
const init = el("tr", "step"); init.append(el("td", "", "0"));
const initCell = el("td", "lane", "initial state"); initCell.colSpan = Math.max(1, lanes.length); init.append(initCell);
diagram.append(init); rows.push(init);
steps.forEach((s, i) => {
  if (data.loopStart !== undefined && data.loopStart === i && data.loopStart < states.length - 1) {
    const tr = el("tr"); const td = el("td", "fail", "the cycle starts here"); td.colSpan = lanes.length + 1; tr.append(td); diagram.append(tr);
  }
  const tr = el("tr", "step"); tr.append(el("td", "", String(i + 1)));
  lanes.forEach((_, c) => {
    const td = el("td", "lane");
    if (c === s.column) {
      td.append(el("div", "label", s.label + (s.text ? ": " + s.text : "")));
      for (const ch of s.changes) td.append(el("div", "change", ch));
      if (i === steps.length - 1 && data.failsInside) td.append(el("div", "fail", "VIOLATED: " + data.message));
    }
    tr.append(td);
  });
  diagram.append(tr); rows.push(tr);
});
if (data.loopStart !== undefined) {
  const tr = el("tr"); const td = el("td", "fail", data.loopStart === states.length - 1 ? "stuck here forever" : "back to the start of the cycle, forever");
  td.colSpan = lanes.length + 1; tr.append(td); diagram.append(tr);
} else if (data.message && data.verdict === "violated" && !data.failsInside && steps.length >= 0 && states.length > 0) {
  const tr = el("tr"); const td = el("td", "fail", "VIOLATED: " + data.message); td.colSpan = lanes.length + 1; tr.append(td); diagram.append(tr);
}
rows.forEach((tr, i) => tr.addEventListener("click", () => show(i)));
const stateTable = document.getElementById("state");
function show(i) {
  i = Math.max(0, Math.min(states.length - 1, i));
  slider.value = String(i);
  rows.forEach((tr, k) => { tr.classList.toggle("current", k === i); tr.classList.toggle("future", k > i); });
  stateTable.replaceChildren();
  const cur = states[i] || [], prev = i > 0 ? states[i - 1] : null;
  names.forEach((n, k) => {
    const tr = el("tr", prev && prev[k] !== cur[k] ? "changed" : "");
    tr.dataset.name = n;
    tr.append(el("td", "", n), el("td", "value", cur[k]));
    stateTable.append(tr);
  });
  const where = i === 0 ? "initial state" : steps[i - 1].name;
  document.getElementById("position").textContent = "step " + i + " of " + Math.max(0, states.length - 1) + ": " + where;
  document.body.dataset.step = String(i);
}
slider.addEventListener("input", () => show(Number(slider.value)));
document.getElementById("prev").addEventListener("click", () => show(Number(slider.value) - 1));
document.getElementById("next").addEventListener("click", () => show(Number(slider.value) + 1));
document.addEventListener("keydown", e => { if (e.key === "ArrowRight") show(Number(slider.value) + 1); if (e.key === "ArrowLeft") show(Number(slider.value) - 1); });
const m = /step=(last|\d+)/.exec(location.hash);
if (states.length === 0) document.getElementById("controls").style.display = "none";
else show(m ? (m[1] === "last" ? states.length - 1 : Number(m[1])) : 0);
</script>
</body>
</html>

"""#
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
