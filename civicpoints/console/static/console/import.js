// Runs the import batch by batch (one transaction each) and shows the progress.
// Without this script the form still works: it posts all=1 and waits for the end.
(function () {
  "use strict";
  var form = document.getElementById("import-run");
  if (!form) return;
  var bar = document.getElementById("import-progress");
  var label = document.getElementById("import-progress-label");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    bar.hidden = false;
    step();
  });
  function step() {
    fetch(form.action, {
      method: "POST",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (job) {
        bar.max = job.total;
        bar.value = job.done;
        label.textContent = job.done + " / " + job.total;
        if (job.status === "done") window.location.reload();
        else step();
      })
      .catch(function () {
        label.textContent = form.dataset.failed;
        form.querySelector("button").disabled = false;
      });
  }
})();
