// hitd requester console: progressive enhancements only; every page works
// without this script.
//
//  - The project form's layout preview (<iframe sandbox srcdoc>) follows
//    the HTML as it is typed: ${name} placeholders are filled with the
//    HTML-escaped sample values of the textarea's data-samples (JSON), or
//    "[name]", as the server fills them (hitd.HITLayout.Render).
//  - A draft batch's Publish form is sent with fetch; the server publishes
//    in the background and the page polls publish-progress to show a
//    progress bar, then reloads.
"use strict";

(function () {
  // ---- Layout preview ----

  // The placeholder syntax of hitd's layouts: "${" NAME "}", NAME an ASCII
  // letter followed by letters, digits and underscores.
  var placeholder = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" }[c];
    });
  }

  function fillLayout(src, samples) {
    return src.replace(placeholder, function (_, name) {
      var v = Object.prototype.hasOwnProperty.call(samples, name) ? samples[name] : "[" + name + "]";
      return escapeHTML(v);
    });
  }

  function setupPreview(textarea) {
    var frame = document.getElementById(textarea.getAttribute("data-preview"));
    if (!frame) {
      return;
    }
    var samples = {};
    try {
      samples = JSON.parse(textarea.getAttribute("data-samples") || "{}") || {};
    } catch (e) {
      samples = {};
    }
    var timer = 0;
    function update() {
      timer = 0;
      frame.srcdoc = fillLayout(textarea.value, samples);
    }
    textarea.addEventListener("input", function () {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(update, 250);
    });
  }

  // ---- Publishing with a progress bar ----

  function setupPublish(form) {
    var button = form.querySelector("button[type=submit]");
    var box = document.getElementById("publish-status");
    var bar = document.getElementById("publish-progress");
    var text = document.getElementById("publish-text");
    var progressURL = form.getAttribute("data-progress-url");
    var doneURL = form.getAttribute("data-done-url");
    if (!box || !bar || !text || !progressURL) {
      return;
    }

    function show(st) {
      box.hidden = false;
      if (st.total > 0) {
        bar.max = st.total;
        bar.value = Math.min(st.done || 0, st.total);
      }
      text.textContent = "Making HITs: " + (st.done || 0) + " of " + (st.total || 0) + ".";
    }

    function failed(message) {
      box.hidden = false;
      text.textContent = "Not published: " + message;
      text.classList.add("error");
      if (button) {
        button.disabled = false;
      }
    }

    function poll() {
      fetch(progressURL, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (res) {
          var type = res.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") !== 0) {
            throw new Error("The server answered unexpectedly. Reload the page.");
          }
          return res.json();
        })
        .then(function (st) {
          switch (st.state) {
            case "running":
              show(st);
              setTimeout(poll, 300);
              break;
            case "done":
              show(st);
              text.textContent = "Published: " + st.total + " HITs made. Loading…";
              location.assign(doneURL || location.pathname);
              break;
            case "error":
              failed(st.error || "publishing failed.");
              break;
            default: // "idle": nothing is being published (any more)
              location.reload();
          }
        })
        .catch(function (err) {
          failed(err.message);
        });
    }

    form.addEventListener("submit", function (ev) {
      if (!window.fetch) {
        return; // the form posts; the server publishes while the page waits
      }
      ev.preventDefault();
      if (button) {
        button.disabled = true;
      }
      text.classList.remove("error");
      show({ done: 0, total: Number(bar.max) || 0 });
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form))
      })
        .then(function (res) {
          var type = res.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") !== 0) {
            // e.g. the session ended: the server answered with a page.
            return { status: res.status, st: { error: "the server answered unexpectedly (status " + res.status + "). Reload the page." } };
          }
          return res.json().then(function (st) {
            return { status: res.status, st: st };
          });
        })
        .then(function (r) {
          if (r.status === 202 || (r.status === 409 && r.st.state === "running")) {
            show(r.st);
            setTimeout(poll, 300);
          } else {
            failed(r.st.error || "the server refused (status " + r.status + ").");
          }
        })
        .catch(function () {
          failed("the server could not be reached. Try again.");
        });
    });

    if (form.getAttribute("data-running") === "true") {
      if (button) {
        button.disabled = true;
      }
      poll();
    }
  }

  function init() {
    var areas = document.querySelectorAll("textarea[data-preview]");
    for (var i = 0; i < areas.length; i++) {
      setupPreview(areas[i]);
    }
    var publish = document.getElementById("publish-form");
    if (publish) {
      setupPublish(publish);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
