import EngineIO
import NIOCore
import NIOHTTP1

/// The demo chat page at `/`, its script at `/demo.js`, and with `--client-script` the local socket.io
/// client at `/socket.io.min.js`. The events are documented on ``ChatHandlers``.
struct DemoPage: Sendable {
    /// The official client, pinned by version and by hash. The hash is the one the socket.io
    /// client-installation documentation publishes for this file.
    static let cdnClientURL = "https://cdn.socket.io/4.8.1/socket.io.min.js"
    static let cdnClientIntegrity = "sha384-mkQ3/7FUtcGyoppY6bz/PORYoGqOl7/aSUMn2ymDOJcapfS6PHqxhRTMh1RR0Q6+"
    /// Where the local client copy is served.
    static let localClientPath = "/socket.io.min.js"

    let page: EngineHTTPResponse
    let script: EngineHTTPResponse
    /// The local client, when `--client-script` gave one.
    let clientScript: EngineHTTPResponse?

    /// The page loads `clientScript` from this node when given, else the pinned CDN copy.
    init(nodeID: String, clientScript: ByteBuffer?) {
        let scriptTag: String
        let scriptSources: String
        if clientScript != nil {
            scriptTag = #"<script src="\#(Self.localClientPath)"></script>"#
            scriptSources = "'self'"
        } else {
            scriptTag = #"<script src="\#(Self.cdnClientURL)" integrity="\#(Self.cdnClientIntegrity)" crossorigin="anonymous"></script>"#
            scriptSources = "'self' https://cdn.socket.io"
        }
        let policy = [
            "default-src 'none'",
            "script-src \(scriptSources)",
            "connect-src 'self' ws: wss:",
            "style-src 'unsafe-inline'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
        let html = Self.html.replacingPlaceholder("{{CLIENT_SCRIPT}}", with: scriptTag)
            .replacingPlaceholder("{{NODE_ID}}", with: nodeID)
        self.page = Self.response(html, contentType: "text/html; charset=utf-8", extraHeaders: [
            ("Content-Security-Policy", policy),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ])
        self.script = Self.response(Self.javascript, contentType: "text/javascript; charset=utf-8", extraHeaders: [("X-Content-Type-Options", "nosniff")])
        self.clientScript = clientScript.map { bytes in
            var headers: HTTPHeaders = ["Content-Type": "text/javascript; charset=utf-8", "X-Content-Type-Options": "nosniff"]
            headers.add(name: "Cache-Control", value: "public, max-age=3600")
            return EngineHTTPResponse(status: .ok, headers: headers, body: bytes)
        }
    }

    private static func response(_ text: String, contentType: String, extraHeaders: [(String, String)]) -> EngineHTTPResponse {
        var response = EngineHTTPResponse(contentType: contentType, body: text)
        for (name, value) in extraHeaders { response.headers.add(name: name, value: value) }
        return response
    }

    private static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>socketio-node {{NODE_ID}}: demo chat</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1rem; color: #222; }
          h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
          #status { color: #555; margin-bottom: 1rem; }
          #status.online { color: #176317; }
          form { display: flex; gap: .5rem; margin: .5rem 0; flex-wrap: wrap; }
          input[type=text] { flex: 1; min-width: 10rem; padding: .35rem; }
          #rooms { list-style: none; padding: 0; display: flex; gap: .4rem; flex-wrap: wrap; }
          #rooms li { background: #eef; border-radius: 1rem; padding: .1rem .6rem; }
          #rooms button { border: 0; background: none; cursor: pointer; }
          #log { list-style: none; padding: .5rem; border: 1px solid #ccc; height: 22rem; overflow-y: auto; }
          #log li { padding: .15rem 0; border-bottom: 1px solid #f0f0f0; }
          .room { font-weight: 600; color: #335; }
          .meta { color: #777; font-size: .85em; margin-left: .5rem; }
          .cross { color: #a33; font-weight: 600; }
          .note { color: #777; font-style: italic; }
        </style>
        </head>
        <body>
        <h1>Socket.IO cluster demo chat</h1>
        <div id="status">Served by node {{NODE_ID}}; connecting…</div>
        <form id="join-form">
          <input id="room" type="text" maxlength="64" placeholder="room name" autocomplete="off">
          <button>Join room</button>
        </form>
        <ul id="rooms"></ul>
        <form id="send-form">
          <select id="target"><option value="">everyone</option></select>
          <input id="text" type="text" maxlength="500" placeholder="message" autocomplete="off">
          <button>Send</button>
        </form>
        <ul id="log"></ul>
        <p class="note">Each message shows the node its sender is on and the node that delivered it to you.
        Open this page twice through a load balancer: messages marked cross-node travelled between nodes.</p>
        {{CLIENT_SCRIPT}}
        <script src="/demo.js"></script>
        </body>
        </html>

        """

    private static let javascript = """
        // socketio-node demo chat; the events are documented in Sources/socketio-node/ChatHandlers.swift.
        (function () {
          "use strict";
          var byId = function (id) { return document.getElementById(id); };
          var socket = io("/chat");
          var myNode = null;
          var joined = [];

          function addLine(parts) {
            var item = document.createElement("li");
            parts.forEach(function (part) {
              var span = document.createElement("span");
              span.textContent = part[0];
              if (part[1]) { span.className = part[1]; }
              item.appendChild(span);
            });
            byId("log").appendChild(item);
            item.scrollIntoView({ block: "end" });
          }

          function renderRooms() {
            var list = byId("rooms");
            var target = byId("target");
            var selected = target.value;
            list.textContent = "";
            target.textContent = "";
            var everyone = document.createElement("option");
            everyone.value = "";
            everyone.textContent = "everyone";
            target.appendChild(everyone);
            joined.forEach(function (room) {
              var item = document.createElement("li");
              item.textContent = room + " ";
              var leave = document.createElement("button");
              leave.textContent = "×";
              leave.title = "leave " + room;
              leave.addEventListener("click", function () {
                socket.emit("leave", room, function () {
                  joined = joined.filter(function (r) { return r !== room; });
                  renderRooms();
                });
              });
              item.appendChild(leave);
              list.appendChild(item);
              var option = document.createElement("option");
              option.value = room;
              option.textContent = "room " + room;
              target.appendChild(option);
            });
            target.value = joined.indexOf(selected) >= 0 ? selected : "";
          }

          socket.on("welcome", function (info) {
            myNode = info.node;
            var status = byId("status");
            status.textContent = "Connected to node " + info.node + " as " + info.id;
            status.className = "online";
            joined.forEach(function (room) { socket.emit("join", room); });
          });

          socket.on("disconnect", function (reason) {
            myNode = null;
            byId("status").textContent = "Disconnected (" + reason + "); reconnecting…";
            byId("status").className = "";
          });

          socket.on("connect_error", function (error) {
            byId("status").textContent = "Cannot connect: " + error.message;
          });

          socket.on("chat", function (message) {
            var crossNode = message.senderNode !== myNode;
            addLine([
              [message.room === null ? "[everyone] " : "[" + message.room + "] ", "room"],
              [message.from.slice(0, 6) + ": "],
              [message.text],
              ["sent via " + message.senderNode + ", delivered by " + myNode, "meta"],
              [crossNode ? " cross-node" : "", crossNode ? "meta cross" : ""]
            ]);
          });

          byId("join-form").addEventListener("submit", function (event) {
            event.preventDefault();
            var room = byId("room").value.trim();
            if (!room) { return; }
            socket.emit("join", room, function (answer) {
              if (!answer.ok) { addLine([[answer.error, "meta cross"]]); return; }
              if (joined.indexOf(answer.room) < 0) { joined.push(answer.room); }
              byId("room").value = "";
              renderRooms();
              byId("target").value = answer.room;
            });
          });

          byId("send-form").addEventListener("submit", function (event) {
            event.preventDefault();
            var text = byId("text").value;
            if (!text) { return; }
            var room = byId("target").value;
            socket.emit("chat", { text: text, room: room === "" ? null : room }, function (answer) {
              if (!answer.ok) { addLine([[answer.error, "meta cross"]]); }
            });
            byId("text").value = "";
          });
        })();

        """
}

extension String {
    /// Replaces every `placeholder` with `value`.
    fileprivate func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
        self.split(separator: placeholder, omittingEmptySubsequences: false).joined(separator: value)
    }
}
