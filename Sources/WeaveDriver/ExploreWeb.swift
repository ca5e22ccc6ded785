import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WeaveIR
import WeaveReport

/// `weave explore --serve`: the session as a web page on 127.0.0.1 (the only address it
/// binds; requests naming another host are refused, so a page elsewhere cannot reach it
/// through DNS rebinding). A small HTTP/1.1 server on POSIX sockets, one thread, one
/// request per connection: the page, and JSON endpoints that act on the one session.
public enum ExploreWeb {
    /// Serves until the process is stopped; returns only when the socket cannot be set up.
    public static func serve(_ s: ExploreSession, port: UInt16, io: Output) -> WeaveExit {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { io.err("weave: cannot open a socket: \(String(cString: strerror(errno)))\n"); return .fileError }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian      // 127.0.0.1, never another address
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            io.err("weave: cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))\n")
            close(fd)
            return .fileError
        }
        var got = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &got) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let actual = UInt16(bigEndian: got.sin_port)
        io.out("weave explore: serving \(s.model.name) at http://127.0.0.1:\(actual)/ (only on this machine; ctrl-C ends)\n")
        let server = Server(session: s, port: actual)
        server.loop(listener: fd)
        return .holds
    }

    /// One HTTP request as the server needs it.
    struct Request {
        let method: String
        let path: String
        let host: String?
        let contentType: String?
        let body: String
    }

    /// A response: status, content type, body.
    struct Response {
        var status = 200
        var type = "application/json"
        var body: String
        var extraHeaders: [String] = []
    }

    final class Server {
        let s: ExploreSession
        let port: UInt16
        /// Connections being read, with the bytes so far.
        var pending: [Int32: [UInt8]] = [:]

        init(session: ExploreSession, port: UInt16) { s = session; self.port = port }

        func loop(listener: Int32) {
            signal(SIGPIPE, SIG_IGN)
            while true {
                var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
                for c in pending.keys { fds.append(pollfd(fd: c, events: Int16(POLLIN), revents: 0)) }
                let n = poll(&fds, nfds_t(fds.count), -1)
                if n < 0 { if errno == EINTR { continue }; return }
                for p in fds where p.revents != 0 {
                    if p.fd == listener {
                        let c = accept(listener, nil, nil)
                        if c >= 0 { pending[c] = [] }
                        continue
                    }
                    readFrom(p.fd)
                }
            }
        }

        func readFrom(_ c: Int32) {
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = read(c, &buf, buf.count)
            if n <= 0 { close(c); pending[c] = nil; return }
            pending[c, default: []].append(contentsOf: buf[0..<n])
            let data = pending[c] ?? []
            if data.count > 1 << 20 { respond(c, Response(status: 413, type: "text/plain", body: "too large\n")); return }
            guard let req = Self.parse(data) else { return }     // not complete yet
            respond(c, handle(req))
        }

        func respond(_ c: Int32, _ r: Response) {
            pending[c] = nil
            let reason = [200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large"][r.status] ?? "Error"
            let body = Array(r.body.utf8)
            var head = "HTTP/1.1 \(r.status) \(reason)\r\nContent-Type: \(r.type)\r\nContent-Length: \(body.count)\r\n"
            head += "Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n"
            for h in r.extraHeaders { head += h + "\r\n" }
            let bytes = Array(head.utf8) + Array("\r\n".utf8) + body
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                off += n
            }
            close(c)
        }

        /// A whole request (head and `Content-Length` body), or nil while more is to come.
        static func parse(_ data: [UInt8]) -> Request? {
            let sep: [UInt8] = [13, 10, 13, 10]
            guard data.count >= 4, let end = (0...(data.count - 4)).first(where: { Array(data[$0..<($0 + 4)]) == sep }) else { return nil }
            let head = String(decoding: data[0..<end], as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n")
            let first = lines[0].split(separator: " ")
            guard first.count >= 2 else { return Request(method: "", path: "", host: nil, contentType: nil, body: "") }
            var length = 0
            var host: String? = nil
            var type: String? = nil
            for l in lines.dropFirst() {
                let kv = l.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2 else { continue }
                if kv[0].lowercased() == "content-length" { length = Int(kv[1]) ?? 0 }
                if kv[0].lowercased() == "host" { host = kv[1] }
                if kv[0].lowercased() == "content-type" { type = kv[1] }
            }
            let bodyStart = end + 4
            guard data.count >= bodyStart + length else { return nil }
            return Request(method: String(first[0]), path: String(first[1]), host: host, contentType: type,
                           body: String(decoding: data[bodyStart..<(bodyStart + length)], as: UTF8.self))
        }

        func error(_ status: Int, _ message: String) -> Response {
            Response(status: status, body: JSON.object([("error", .string(message))]).serialized())
        }

        func handle(_ r: Request) -> Response {
            // Only this machine's names for the server: another Host is a page elsewhere (DNS rebinding).
            guard let host = r.host, host == "127.0.0.1:\(port)" || host == "localhost:\(port)" else {
                return error(403, "this server answers only requests for 127.0.0.1:\(port)")
            }
            let path = r.path.split(separator: "?").first.map(String.init) ?? r.path
            if r.method == "GET" {
                switch path {
                case "/", "/index.html": return Response(type: "text/html; charset=utf-8", body: ExploreWeb.page(title: s.model.name))
                case "/api/state": return Response(body: ExploreWeb.stateJSON(s).serialized())
                case "/api/trace.itf.json":
                    return Response(body: s.itf().serialized(pretty: true) + "\n",
                                    extraHeaders: ["Content-Disposition: attachment; filename=\"\(s.model.name)-explore.itf.json\""])
                case "/api/trace.txt":
                    return Response(type: "text/plain; charset=utf-8", body: s.traceText(format: "text") ?? "")
                default: return error(404, "no page \(path)")
                }
            }
            guard r.method == "POST" else { return error(405, "GET or POST") }
            // A form or a page elsewhere cannot send a JSON-typed POST without a CORS preflight, which
            // this server never grants; the page sends this type.
            guard r.contentType?.hasPrefix("application/json") == true else {
                return error(403, "POST requests must be sent as application/json by the page")
            }
            var why: String? = nil
            var extra: [(String, JSON)] = []
            let parts = path.split(separator: "/").map(String.init)   // ["api", "step", "3"]
            guard parts.count >= 2, parts[0] == "api" else { return error(404, "no endpoint \(path)") }
            switch parts[1] {
            case "step":
                guard parts.count == 3, let n = Int(parts[2]) else { return error(400, "POST /api/step/N") }
                why = s.take(n)
            case "back": why = s.back()
            case "restart": why = s.restart()
            case "check": extra.append(("check", .string(s.checkText())))
            case "follow": why = s.follow()
            case "eval":
                switch s.evaluate(r.body) {
                case .success(let v): extra.append(("value", .string(v)))
                case .failure(let e): why = e.description
                }
            case "load":
                // The body is an ITF document (the page reads a file the user picks).
                let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("weave-explore-load-\(getpid()).itf.json")
                do {
                    try Data(r.body.utf8).write(to: tmp)
                    why = s.load(from: tmp.path)?.replacingOccurrences(of: "'\(tmp.path)'", with: "the file")
                    try? FileManager.default.removeItem(at: tmp)
                } catch { why = "cannot read the trace" }
            default: return error(404, "no endpoint \(path)")
            }
            if let why { return Response(status: 400, body: JSON.object([("error", .string(why))] + stateFields()).serialized()) }
            return Response(body: JSON.object(extra + stateFields()).serialized())
        }

        func stateFields() -> [(String, JSON)] {
            if case .object(let kv) = ExploreWeb.stateJSON(s) { return kv }
            return []
        }
    }

    /// The session as the page draws it: the path (as the HTML report's diagram), the
    /// current state with changes marked, the enabled steps and the broken properties.
    static func stateJSON(_ s: ExploreSession) -> JSON {
        let view = StateView(model: s.model)
        let t = s.path
        let notes = StepNotes(model: s.model, trace: t, branches: s.branches)
        var kv: [(String, JSON)] = [
            ("model", .string(s.model.name)),
            ("settings", .string(s.model.settings.map(\.description).joined(separator: ", "))),
            ("depth", .int(Int64(s.depth))),
            ("participants", .array(notes.participants.map { .string($0) })),
            ("steps", .array(notes.notes.enumerated().map { i, n in
                .object([("column", .int(Int64(n.column))), ("label", .string(n.label)), ("text", .string(n.text)),
                         ("name", .string(t.steps[i].name)), ("changes", .array(n.changes.map { .string($0) })),
                         ("failure", ExploreSession.failureText(s.kinds[i]).map { .string($0) } ?? .null)])
            })),
            ("state", .array(s.stateLines().map { l in
                .object([("name", .string(l.name)), ("value", .string(l.value)), ("changed", .bool(l.changed)),
                         ("ghost", .bool(view.isGhost(l.name)))])
            })),
            ("enabled", .array(s.stepLines().map { l in
                .object([("number", .int(Int64(l.number))), ("name", .string(l.name)), ("caption", .string(l.caption)),
                         ("effect", .string(l.effect)), ("failure", l.failure.map { .string($0) } ?? .null)])
            })),
            ("properties", .array(s.propertyLines().map { .string($0) })),
        ]
        var status = ""
        if s.endedInFailure { status = "the path ends in a failing step: back or restart" }
        else if s.enabled.isEmpty { status = s.isDeadlock ? "DEADLOCK: no step is enabled, and some process is neither done nor at an end label"
                                                           : "no step is enabled: every process is done or at an end label" }
        kv.append(("status", .string(status)))
        if let v = s.endingViolation() { kv.append(("violation", .string(v.message))) }
        return .object(kv)
    }

    /// The page; it fetches from its own origin (the session's JSON endpoints), nothing else.
    static func page(title: String) -> String {
        Html.pageHead(title: "weave explore: \(title)",
                      policy: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'") + pageText
    }

    /// The page after `Html.pageHead`.
    static let pageText = #"""
h2 { font-size: 1.1em; }
.main { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
table { border-collapse: collapse; }
td, th { padding: 2px 8px; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; }
#diagram th { border-bottom: 2px solid #888; text-align: left; }
#diagram td.lane { border-left: 1px solid #ccc; min-width: 12em; }
#diagram tr.last td { background: #fff3b0; }
#diagram .label { font-weight: bold; }
#diagram .change { color: #0a5; padding-left: 1em; }
.fail { color: #c00; font-weight: bold; }
#state td:first-child { color: #555; }
#state tr.changed td { background: #d8f5d8; font-weight: bold; }
#steps button { display: block; margin: 3px 0; text-align: left; font-family: ui-monospace, monospace; font-size: 12px; padding: 4px 8px; cursor: pointer; }
#steps button .caption { color: #555; }
#steps button .effect { color: #0a5; }
#steps button.failing { border-color: #c00; }
.controls button { margin-right: .5em; }
#message { margin: .5em 0; min-height: 1.2em; }
#message.error { color: #c00; }
pre { background: #f6f6f6; padding: .5em; max-width: 60em; overflow: auto; font-size: 12px; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="settings"></div>
<div class="controls">
  <button id="back" type="button">back</button>
  <button id="restart" type="button">restart</button>
  <button id="check" type="button">check from here</button>
  <button id="follow" type="button">follow</button>
  <a id="save" href="/api/trace.itf.json" download>save (ITF)</a>
  <label>load <input id="load" type="file" accept=".json"></label>
  <form id="evalform" style="display:inline"><input id="expr" size="30" placeholder="expression"><button type="submit">eval</button></form>
</div>
<div id="message"></div>
<div id="properties" class="fail"></div>
<div class="main">
  <div><h2 id="stepshead">Enabled steps</h2><div id="steps"></div><div id="status" class="fail"></div></div>
  <div><h2>State <span id="position"></span></h2><table id="state"></table></div>
  <div><h2>Path</h2><table id="diagram"></table></div>
</div>
<pre id="checkout" hidden></pre>
<script>
"use strict";
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
const msg = document.getElementById("message");
let queue = Promise.resolve();   // the actions, one after another
function say(text, isError) { msg.textContent = text || ""; msg.classList.toggle("error", !!isError); }
function draw(d) {
  document.getElementById("title").textContent = "weave explore: " + d.model;
  document.getElementById("settings").textContent = d.settings;
  document.getElementById("position").textContent = d.depth === 0 ? "(initial)" : "(after step " + d.depth + ")";
  document.body.dataset.depth = String(d.depth);
  const steps = document.getElementById("steps"); steps.replaceChildren();
  for (const s of d.enabled) {
    const b = el("button", s.failure ? "failing" : ""); b.type = "button"; b.dataset.step = String(s.number);
    b.append(el("span", "", s.number + "  " + s.name));
    if (s.caption) b.append(el("span", "caption", "   " + s.caption));
    const tail = [s.effect, s.failure].filter(x => x).join("; ");
    if (tail) b.append(el("span", s.failure ? "fail" : "effect", "   -> " + tail));
    b.addEventListener("click", () => act("/api/step/" + s.number));
    steps.append(b);
  }
  document.getElementById("status").textContent = d.status;
  document.getElementById("properties").textContent = d.properties.join("; ") + (d.violation ? (d.properties.length ? "; " : "") + "the path ends in: " + d.violation : "");
  const st = document.getElementById("state"); st.replaceChildren();
  for (const v of d.state) {
    const tr = el("tr", v.changed ? "changed" : ""); tr.dataset.name = v.name;
    tr.append(el("td", "", v.name), el("td", "value", v.value + (v.ghost ? "   (ghost)" : "")));
    st.append(tr);
  }
  const dg = document.getElementById("diagram"); dg.replaceChildren();
  const head = el("tr"); head.append(el("th", "", "#")); for (const p of d.participants) head.append(el("th", "", p)); dg.append(head);
  const init = el("tr", "step" + (d.depth === 0 ? " last" : "")); init.append(el("td", "", "0"));
  const ic = el("td", "lane", "initial state"); ic.colSpan = Math.max(1, d.participants.length); init.append(ic); dg.append(init);
  d.steps.forEach((s, i) => {
    const tr = el("tr", "step" + (i === d.steps.length - 1 ? " last" : "")); tr.append(el("td", "", String(i + 1)));
    d.participants.forEach((_, c) => {
      const td = el("td", "lane");
      if (c === s.column) {
        td.append(el("div", "label", s.label + (s.text ? ": " + s.text : "")));
        for (const ch of s.changes) td.append(el("div", "change", ch));
        if (s.failure) td.append(el("div", "fail", s.failure));
      }
      tr.append(td);
    });
    dg.append(tr);
  });
}
function act(url, body) {
  queue = queue.then(() => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: body === undefined ? "" : body })
    .then(r => r.json()).then(d => {
      draw(d);
      if (d.error) say(d.error, true); else if (d.value !== undefined) say("= " + d.value); else say("");
      const out = document.getElementById("checkout");
      if (d.check) { out.hidden = false; out.textContent = d.check; } else if (!url.endsWith("/eval")) { out.hidden = true; }
      return d;
    }).catch(e => say(String(e), true)));
  return queue;
}
document.getElementById("back").addEventListener("click", () => act("/api/back"));
document.getElementById("restart").addEventListener("click", () => act("/api/restart"));
document.getElementById("check").addEventListener("click", () => act("/api/check"));
document.getElementById("follow").addEventListener("click", () => act("/api/follow"));
document.getElementById("evalform").addEventListener("submit", e => { e.preventDefault(); act("/api/eval", document.getElementById("expr").value); });
document.getElementById("load").addEventListener("change", e => { const f = e.target.files[0]; if (f) f.text().then(t => act("/api/load", t)); });
// #click=1,2 clicks those step buttons in turn once the page is drawn (for scripted use and tests).
const clicks = (/click=([\d,]+)/.exec(location.hash) || [, ""])[1].split(",").filter(x => x);
fetch("/api/state").then(r => r.json()).then(draw).then(async () => {
  for (const n of clicks) {
    const b = document.querySelector('#steps button[data-step="' + n + '"]');
    if (!b) { say("no step " + n, true); break; }
    b.click();
    await queue;
  }
  document.body.dataset.ready = "yes";
});
</script>
</body>
</html>

"""#
}
