// Runs the sidebar's script under node with a stand-in for the ZAF client and the real platform behind fetch.
// Usage: node sidebar_harness.js SIDEBAR_JS API_BASE TOKEN REQUESTER_ID TICKET_ID
"use strict";

const [sidebarPath, apiBase, token, requesterId, ticketId] = process.argv.slice(2);
const { Sidebar, render } = require(sidebarPath);

const calls = [];
const client = {
  get(paths) {
    calls.push(["get", paths]);
    return Promise.resolve({
      "ticket.requester": { id: Number(requesterId), name: "<b>Ada</b> & co", email: "ada@example.org" },
      "ticket.id": Number(ticketId),
    });
  },
  invoke(...args) {
    calls.push(["invoke", ...args]);
    return Promise.resolve({});
  },
};

(async () => {
  const sidebar = new Sidebar({ client, fetch, token, apiBase });
  const before = await sidebar.load();
  const beforeHtml = render(before);
  const after = await sidebar.file("deletion");
  const afterHtml = render(after);
  process.stdout.write(JSON.stringify({ before, beforeHtml, after, afterHtml, calls }));
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
