/* The ticket sidebar: the requester's privacy status, and buttons to file an access, copy or deletion request or record an opt-out.
 *
 * It talks to Zendesk only through the ZAF client (to learn who the requester is) and to the
 * Omni Wise platform only with the token Zendesk signed for this page, which the platform
 * checks on every call. The logic takes its client and fetch as arguments, so it runs the
 * same in the browser and under a stand-in for the ZAF client.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.OmniwiseSidebar = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var LABELS = {
    access: "Access (what is held and why)",
    portability: "A machine-readable copy",
    deletion: "Deletion",
    opt_out: "Opt-out of promotions",
  };

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function Sidebar(options) {
    this.client = options.client;
    this.fetch = options.fetch;
    this.token = options.token;
    this.apiBase = options.apiBase || "";
    this.state = { status: "loading" };
  }

  Sidebar.prototype.call = function (method, path, body) {
    var init = { method: method, headers: { Authorization: "Bearer " + this.token, Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return this.fetch(this.apiBase + path, init).then(function (response) {
      if (response.status === 401) {
        var expired = new Error("expired");
        expired.kind = "expired";
        throw expired;
      }
      if (!response.ok) {
        var failed = new Error("the platform answered " + response.status);
        failed.kind = "failed";
        throw failed;
      }
      return response.json();
    });
  };

  Sidebar.prototype.fail = function (error) {
    this.state = { status: "error", error: error && error.kind === "expired" ? "expired" : "failed" };
    return this.state;
  };

  /* Ask Zendesk who the requester is, then the platform what it knows of them. */
  Sidebar.prototype.load = function () {
    var self = this;
    return this.client
      .get(["ticket.requester", "ticket.id"])
      .then(function (data) {
        var requester = data["ticket.requester"];
        if (!requester || requester.id === undefined) {
          self.state = { status: "no-requester" };
          return self.state;
        }
        self.requesterId = requester.id;
        self.ticketId = data["ticket.id"];
        return self.call("GET", "/api/v1/zendesk-app/requesters/" + encodeURIComponent(requester.id) + "/privacy")
          .then(function (privacy) {
            self.state = { status: "ready", requester: requester, privacy: privacy };
            return self.state;
          });
      })
      .catch(function (error) {
        return self.fail(error);
      });
  };

  /* File a request of `type` for the requester, tell the agent, and show the new status. */
  Sidebar.prototype.file = function (type) {
    var self = this;
    var path = "/api/v1/zendesk-app/requesters/" + encodeURIComponent(this.requesterId) + "/requests";
    return this.call("POST", path, { type: type, ticket_id: this.ticketId })
      .then(function () {
        return self.client.invoke("notify", LABELS[type] + " request filed for the requester", "notice");
      })
      .then(function () {
        return self.load();
      })
      .catch(function (error) {
        return self.fail(error);
      });
  };

  /* The privacy request's status in words: "awaiting_approval" means the business must decide. */
  var STATUSES = {
    received: "received",
    verifying: "verifying",
    awaiting_approval: "waiting for your business's decision",
    in_progress: "in progress",
    completed: "completed",
    refused: "refused",
    recorded: "recorded",
    closed: "closed",
  };

  function listOf(items, empty) {
    if (!items || items.length === 0) {
      return '<p class="muted">' + escapeHtml(empty) + "</p>";
    }
    return (
      "<ul>" +
      items
        .map(function (item) {
          return (
            "<li>" +
            escapeHtml(LABELS[item.type] || item.type) +
            ' <span class="muted">' +
            escapeHtml(STATUSES[item.status] || item.status) +
            ", " +
            escapeHtml(String(item.created_at).slice(0, 10)) +
            "</span></li>"
          );
        })
        .join("") +
      "</ul>"
    );
  }

  /* The sidebar's HTML for a state; every value is escaped. */
  function render(state) {
    if (state.status === "loading") {
      return "<p>Loading privacy status…</p>";
    }
    if (state.status === "no-requester") {
      return '<p class="muted">This ticket has no requester yet.</p>';
    }
    if (state.status === "error") {
      return state.error === "expired"
        ? '<p class="error">This view has expired. Reopen the app to see the privacy status.</p>'
        : '<p class="error">The privacy status could not be loaded. Try again in a moment.</p>';
    }
    var privacy = state.privacy;
    var requester = state.requester;
    var open = privacy.open_requests || [];
    var pending = function (type) {
      return open.some(function (r) {
        return r.type === type;
      });
    };
    return (
      "<h2>" +
      escapeHtml(requester.name || "Requester") +
      "</h2>" +
      (privacy.known ? "" : '<p class="muted">Not yet synced to Omni Wise.</p>') +
      "<h2>Opt-outs</h2>" +
      listOf(privacy.opt_outs, "No opt-outs recorded.") +
      "<h2>Open privacy requests</h2>" +
      listOf(open, "No open requests.") +
      '<div class="actions">' +
      '<button type="button" data-request="access"' +
      (pending("access") ? " disabled" : "") +
      ">File access request</button>" +
      '<button type="button" data-request="portability"' +
      (pending("portability") ? " disabled" : "") +
      ">File copy request</button>" +
      '<button type="button" data-request="deletion"' +
      (pending("deletion") ? " disabled" : "") +
      ">File deletion request</button>" +
      '<button type="button" data-request="opt_out"' +
      ((privacy.opt_outs || []).length ? " disabled" : "") +
      ">Record opt-out</button>" +
      "</div>"
    );
  }

  /* In the browser: draw each state into `element` and wire its buttons. */
  Sidebar.prototype.mount = function (element) {
    var self = this;
    var draw = function (state) {
      element.innerHTML = render(state);
      Array.prototype.forEach.call(element.querySelectorAll("button[data-request]"), function (button) {
        button.addEventListener("click", function () {
          button.disabled = true;
          self.file(button.getAttribute("data-request")).then(draw);
        });
      });
      self.client.invoke("resize", { width: "100%", height: Math.max(120, element.scrollHeight + 16) + "px" });
      return state;
    };
    draw(this.state);
    return this.load().then(draw);
  };

  return { Sidebar: Sidebar, render: render, escapeHtml: escapeHtml };
});

if (typeof document !== "undefined" && typeof ZAFClient !== "undefined") {
  (function () {
    "use strict";
    var meta = document.querySelector('meta[name="omniwise-token"]');
    var sidebar = new OmniwiseSidebar.Sidebar({
      client: ZAFClient.init(),
      fetch: window.fetch.bind(window),
      token: meta ? meta.getAttribute("content") : "",
      apiBase: "",
    });
    sidebar.mount(document.getElementById("app"));
  })();
}
