/* Omni Wise cookie consent: a banner and a preferences dialog, with no dependencies.
 *
 * It sets no cookie of a group that needs consent before the person agrees, records every
 * choice with the platform (POST /privacy/consent) before acting on it, treats Global
 * Privacy Control (navigator.globalPrivacyControl, or the Sec-GPC header the page was
 * loaded with) as a refusal, and keeps a "Cookie preferences" button on the page so that a
 * choice can be changed or withdrawn as easily as it was given.
 *
 * Embed with <script src="https://PLATFORM/consent.js"></script>; other scripts can ask
 * window.OmniwiseConsent.choices(), listen with window.OmniwiseConsent.onChange(fn), or
 * open the preferences from a link of their own with window.OmniwiseConsent.open().
 */
(function (config) {
  "use strict";
  if (window.OmniwiseConsent) {
    return;
  }
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var endpoint = base + "/privacy/consent";
  var version = config.cookiesVersion.slice(0, 12);
  var gpc = navigator.globalPrivacyControl === true || config.gpcHeader === true;
  var optional = config.groups.filter(function (g) { return g.consent; });
  var listeners = [];
  var state = null;
  var banner = null;
  var dialog = null;
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return null;
  }

  function writeCookie(name, value, maxAge) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = name + "=" + encodeURIComponent(value) + "; Path=/; Max-Age=" + maxAge + "; SameSite=Lax" + secure;
  }

  function removeCookie(name) {
    document.cookie = name + "=; Path=/; Max-Age=0; SameSite=Lax";
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function valueFor(cookie) {
    if (cookie.name === "ow_campaign") {
      var campaign = new URLSearchParams(location.search).get("utm_campaign") || "";
      return /^[A-Za-z0-9_-]{1,64}$/.test(campaign) ? campaign : "direct";
    }
    return randomId();
  }

  function stored() {
    var raw = readCookie(config.consentCookie);
    var parts = raw ? raw.split(".") : [];
    if (parts.length !== 4 || parts[0] !== "v1" || !UUID.test(parts[1])) {
      return null;
    }
    var ids = parts[3] === "-" ? [] : parts[3].split("+");
    var accepted = {};
    optional.forEach(function (g) { accepted[g.id] = ids.indexOf(g.id) >= 0; });
    return { consentId: parts[1], version: parts[2], accepted: accepted };
  }

  function remember(consentId, accepted) {
    var ids = optional.filter(function (g) { return accepted[g.id]; }).map(function (g) { return g.id; });
    var value = ["v1", consentId, version, ids.length ? ids.join("+") : "-"].join(".");
    writeCookie(config.consentCookie, value, config.consentMaxAge);
  }

  function apply(accepted) {
    optional.forEach(function (g) {
      g.cookies.forEach(function (cookie) {
        if (accepted[g.id]) {
          if (readCookie(cookie.name) === null) {
            writeCookie(cookie.name, valueFor(cookie), cookie.maxAge);
          }
        } else {
          removeCookie(cookie.name);
        }
      });
    });
  }

  function choices() {
    var result = {};
    config.groups.forEach(function (g) { result[g.id] = !g.consent || !!(state && state.accepted[g.id]); });
    return result;
  }

  function notify() {
    var current = choices();
    listeners.forEach(function (fn) {
      try { fn(current); } catch (e) { /* a listener's failure is its own */ }
    });
  }

  // The choice is recorded first; only a recorded choice is acted upon.
  function save(accepted, source) {
    var asked = {};
    optional.forEach(function (g) { asked[g.id] = !gpc && !!accepted[g.id]; });
    var body = { consent_id: state ? state.consentId : null, choices: asked, source: source };
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("the cookie choice was not recorded (HTTP " + response.status + ")");
      }
      return response.json();
    }).then(function (recorded) {
      var effective = {};
      optional.forEach(function (g) { effective[g.id] = !!recorded.choices[g.id]; });
      state = { consentId: recorded.consent_id, accepted: effective };
      remember(recorded.consent_id, effective);
      apply(effective);
      hideBanner();
      closeDialog();
      notify();
      return effective;
    });
  }

  function warn(error) {
    if (window.console) {
      console.warn("Omni Wise consent: " + error.message);
    }
  }

  function all(value) {
    var accepted = {};
    optional.forEach(function (g) { accepted[g.id] = value; });
    return accepted;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function button(id, text, onClick) {
    var node = element("button", { id: id, type: "button", "class": "ow-cc-button" }, text);
    node.addEventListener("click", onClick);
    return node;
  }

  function injectStyle() {
    var style = element("style", { id: "ow-cc-style" });
    style.textContent = [
      ".ow-cc{font:15px/1.4 system-ui,sans-serif;color:#1a1a1a;background:#fff;box-sizing:border-box;z-index:2147483000}",
      "#ow-cc-banner{position:fixed;left:0;right:0;bottom:0;padding:16px 20px;border-top:2px solid #333}",
      "#ow-cc-banner p{margin:0 0 12px}",
      ".ow-cc-button{font:inherit;padding:8px 16px;margin:0 8px 4px 0;border:2px solid #333;background:#fff;color:#1a1a1a;cursor:pointer;border-radius:4px}",
      ".ow-cc-button:focus{outline:3px solid #0a58ca;outline-offset:2px}",
      "#ow-cc-preferences{position:fixed;left:12px;bottom:12px;z-index:2147482999;font:13px system-ui,sans-serif}",
      "#ow-cc-dialog{position:fixed;top:5vh;left:50%;transform:translateX(-50%);width:min(560px,92vw);max-height:90vh;overflow:auto;padding:20px;border:2px solid #333;border-radius:6px}",
      "#ow-cc-dialog h2{margin:0 0 12px;font-size:20px}",
      ".ow-cc-group{margin:0 0 14px}",
      ".ow-cc-group label{font-weight:600}",
      ".ow-cc-group p,.ow-cc-group li{margin:4px 0;font-size:14px}"
    ].join("\n");
    document.head.appendChild(style);
  }

  function showBanner() {
    if (banner) {
      return;
    }
    var names = optional.map(function (g) { return g.name.toLowerCase(); }).join(" and ");
    banner = element("div", { id: "ow-cc-banner", "class": "ow-cc", role: "region", "aria-label": "Cookie choices" });
    var text = element("p", {}, "We use strictly necessary cookies to make our pages work. With your agreement we " +
      "would also use cookies for " + names + ". You can change your mind at any time under \u201cCookie preferences\u201d. ");
    text.appendChild(element("a", { href: base + config.detailsPath }, "Which cookies?"));
    banner.appendChild(text);
    banner.appendChild(button("ow-cc-accept", "Accept all", function () { save(all(true), "banner").catch(warn); }));
    banner.appendChild(button("ow-cc-reject", "Reject all", function () { save(all(false), "banner").catch(warn); }));
    banner.appendChild(button("ow-cc-customise", "Choose", openDialog));
    document.body.appendChild(banner);
  }

  function hideBanner() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }

  function openDialog() {
    if (dialog) {
      return;
    }
    dialog = element("div", { id: "ow-cc-dialog", "class": "ow-cc", role: "dialog", "aria-modal": "true", "aria-labelledby": "ow-cc-title" });
    dialog.appendChild(element("h2", { id: "ow-cc-title" }, "Cookie preferences"));
    if (gpc) {
      dialog.appendChild(element("p", { id: "ow-cc-gpc" }, "Your browser sends a Global Privacy Control signal, so we " +
        "treat it as your refusal: cookies that need your agreement stay off."));
    }
    var current = choices();
    config.groups.forEach(function (g) {
      var box = element("div", { "class": "ow-cc-group" });
      var input = element("input", { type: "checkbox", id: "ow-cc-group-" + g.id, name: g.id });
      input.checked = !!current[g.id];
      input.disabled = !g.consent || gpc;
      var label = element("label", { "for": input.id }, " " + g.name + (g.consent ? "" : " (always on)"));
      box.appendChild(input);
      box.appendChild(label);
      box.appendChild(element("p", {}, g.description));
      var list = element("ul", {});
      g.cookies.forEach(function (cookie) {
        list.appendChild(element("li", {}, cookie.name + ": " + cookie.purpose + " Kept for " + cookie.lifetimeText + "."));
      });
      box.appendChild(list);
      dialog.appendChild(box);
    });
    dialog.appendChild(button("ow-cc-save", "Save choices", function () {
      var accepted = {};
      optional.forEach(function (g) { accepted[g.id] = document.getElementById("ow-cc-group-" + g.id).checked; });
      save(accepted, "preferences").catch(warn);
    }));
    if (!gpc) {
      dialog.appendChild(button("ow-cc-dialog-accept", "Accept all", function () { save(all(true), "preferences").catch(warn); }));
    }
    dialog.appendChild(button("ow-cc-dialog-reject", "Reject all", function () { save(all(false), "preferences").catch(warn); }));
    dialog.appendChild(button("ow-cc-close", "Close", closeDialog));
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeDialog();
      }
    });
    document.body.appendChild(dialog);
    dialog.querySelector("input:not([disabled]), button").focus();
  }

  function closeDialog() {
    if (dialog) {
      dialog.remove();
      dialog = null;
    }
  }

  function addPreferencesButton() {
    var persistent = button("ow-cc-preferences", "Cookie preferences", openDialog);
    persistent.classList.add("ow-cc");
    document.body.appendChild(persistent);
  }

  function init() {
    // a page whose content security policy refuses inline styles carries the banner's styles
    // in its own stylesheet and says so with <meta name="omniwise-consent-styles">
    if (!document.querySelector("meta[name='omniwise-consent-styles']")) {
      injectStyle();
    }
    addPreferencesButton();
    var previous = stored();
    var fresh = previous !== null && previous.version === version;
    if (fresh) {
      state = { consentId: previous.consentId, accepted: previous.accepted };
    } else if (previous !== null) {
      // the cookie list changed: keep the id, drop the old answer until the person answers again
      state = { consentId: previous.consentId, accepted: all(false) };
    }
    if (gpc) {
      var anyOn = fresh && optional.some(function (g) { return previous.accepted[g.id]; });
      apply(all(false));
      if (!fresh || anyOn) {
        save(all(false), "gpc").catch(warn);
      }
      return;
    }
    apply(fresh ? state.accepted : all(false));
    if (!fresh) {
      showBanner();
    }
    notify();
  }

  window.OmniwiseConsent = {
    choices: choices,
    open: openDialog,
    onChange: function (fn) { listeners.push(fn); },
    gpc: gpc
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})(/*OMNIWISE_CONSENT_CONFIG*/ null);
