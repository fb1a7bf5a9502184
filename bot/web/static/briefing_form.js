// The briefing form's checks as the SENDCO types: the form is sent to /sendco/briefings/check,
// which answers with the server's own messages for each field (nothing is checked here, and
// nothing is stored). Without this script the same messages come when the form is sent.
(function () {
  var form = document.querySelector("form[data-check-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var touched = {};
  var timer = null;
  var token = form.querySelector("input[name=csrf_token]");

  function fieldOf(element) {
    return element.name === "audience" ? "audience" : element.name;
  }

  function show(name, errors, warnings) {
    var box = document.getElementById(name + "-messages");
    if (!box) {
      return;
    }
    box.textContent = "";
    function add(kind, label, text) {
      var p = document.createElement("p");
      p.className = kind;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = label;
      p.appendChild(hidden);
      p.appendChild(document.createTextNode(" " + text));
      box.appendChild(p);
    }
    (errors || []).forEach(function (text) { add("field-error", "Error:", text); });
    (warnings || []).forEach(function (text) { add("field-warning", "Worth a look:", text); });
    if (name === "points") {
      return;  // about the points as a whole: the server marks the first point
    }
    form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
      if ((errors || []).length) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  function check() {
    var data = new FormData(form);
    data.set("action", "preview");
    fetch(form.getAttribute("data-check-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (!answer) {
        return;
      }
      var names = Object.keys(touched);
      if (names.some(function (n) { return n.indexOf("point-") === 0; })) {
        names.push("points");
      }
      names.forEach(function (name) {
        show(name, answer.errors[name], answer.warnings[name]);
      });
    }).catch(function () { /* the checks come again when the form is sent */ });
  }

  function changed(event) {
    if (!event.target.name || event.target.name === "csrf_token") {
      return;
    }
    touched[fieldOf(event.target)] = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
